import Foundation

/// Prints the results: a table (default) or one JSON object per configuration and per target.
struct Report {
    var summaries: [Summary]
    var endToEnd: EndToEndSummary?
    var targets: [Target]
    var options: BenchOptions
    var notes: [String]

    // MARK: - Table

    func table() -> String {
        var lines: [String] = []
        let columns: [(String, Int, Bool)] = [
            ("config", 16, false), ("impl", 13, false), ("type", 7, false), ("block", 6, true), ("readers", 8, true),
            ("M samples/s", 12, true), ("IQR", 6, true), ("x boost", 9, true), ("x memcpy", 9, true),
            ("x crosscore", 12, true), ("  placements", 0, false),
        ]
        func row(_ cells: [String]) -> String {
            zip(columns, cells).map { Format.pad($1, $0.1, right: $0.2) }.joined(separator: " ")
        }
        lines.append(row(columns.map(\.0)))
        for summary in summaries {
            let configuration = summary.configuration
            let iqr =
                summary.median > 0
                ? (Statistics.quantile(summary.rates, 0.75) - Statistics.quantile(summary.rates, 0.25)) / summary.median
                : 0
            let flags = summary.errors > 0 ? "  DATA ERRORS: \(summary.errors)" : ""
            lines.append(
                row([
                    configuration.description, configuration.implementation.rawValue, configuration.kind.rawValue,
                    String(configuration.block), String(configuration.readers), Format.rate(summary.median),
                    String(format: "%.0f%%", iqr * 100), summary.versusBoost.map { Format.ratio($0.value) } ?? "-",
                    summary.versusMemcpy.map { Format.percent($0.value) } ?? "-",
                    summary.versusCrossCore.map { Format.percent($0.value) } ?? "-",
                    "  " + placements(summary) + flags,
                ]))
        }
        if let endToEnd {
            lines.append(
                row([
                    "e2e \(endToEnd.clients) clients", "vhr", "e2e", String(endToEnd.frameSamples),
                    String(endToEnd.clients), String(format: "%.4f", endToEnd.samplesPerClientPerSecond / 1e6), "-",
                    "-",
                    "-", "-", endToEnd.errors > 0 ? "  PROTOCOL ERRORS: \(endToEnd.errors)" : "",
                ]))
        }
        lines.append("")
        lines.append(contentsOf: details())
        lines.append("")
        lines.append("targets (issue 3):")
        for target in targets {
            let verdict = target.pass.map { $0 ? "PASS" : "FAIL" } ?? "n/a "
            lines.append("  \(verdict)  \(target.name): \(target.measured), needs \(target.required)")
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append(contentsOf: notes.map { "note: \($0)" })
        }
        return lines.joined(separator: "\n")
    }

    private func placements(_ summary: Summary) -> String {
        PlacementRegime.allCases.compactMap { regime in
            summary.regimes[regime].map { "\(regime.rawValue)\($0)" }
        }.joined(separator: " ")
    }

    private func details() -> [String] {
        var lines = [
            "M samples/s: median over \(options.rounds) rounds of each run's median chunk rate; IQR: interquartile range "
                + "over rounds / median. x boost: vs boost::lockfree::spsc_queue, same block; x memcpy, x crosscore: "
                + "vs the limits of the same block. Ratios are medians of per-round pairs."
        ]
        let cycles = summaries.filter { $0.configuration.implementation == .crosscore }.map {
            "b\($0.configuration.block) \(Format.rate($0.extra["serial_cycle_samples_per_s"] ?? 0))"
        }
        if !cycles.isEmpty {
            lines.append(
                "crosscore: the bound is the slower of the write and read sides, timed apart; the serial cycle "
                    + "(write, hand off, read, hand back) moves, in M samples/s: " + cycles.joined(separator: ", "))
            let pipelined = summaries.filter { $0.configuration.implementation == .crosscore }.map {
                "b\($0.configuration.block) \(Format.rate($0.extra[BenchmarkRunner.pipelinedKey] ?? 0))"
            }
            lines.append(
                "crosscore pipelined (the same blocks through ring-sized slots with one flag each, both sides at once: a "
                    + "ring's work without its indices), in M samples/s: " + pipelined.joined(separator: ", "))
        }
        for summary in summaries where summary.configuration.kind == .fanout {
            let extra = summary.extra
            lines.append(
                "\(summary.configuration): slowest reader \(Format.rate(summary.median)) M/s, mean reader "
                    + "\(Format.rate(extra["reader_mean_samples_per_s"] ?? 0)) M/s, slowest per reader CPU-second "
                    + "\(Format.rate(extra["reader_min_cpu_samples_per_s"] ?? 0)) M/s, writer "
                    + "\(Format.rate(extra["writer_samples_per_s"] ?? 0)) M/s, lapped (lost) "
                    + "\(Format.percent(extra["lost_fraction"] ?? 0))")
        }
        if let endToEnd {
            lines.append(
                "e2e: \(endToEnd.clients) clients, \(endToEnd.frames) audio frames of \(endToEnd.frameSamples) samples in "
                    + String(format: "%.1f s", endToEnd.seconds) + "; after the frame's last sample: p50 "
                    + "\(Format.milliseconds(endToEnd.latencyP50)), p99 \(Format.milliseconds(endToEnd.latencyP99)), max "
                    + "\(Format.milliseconds(endToEnd.latencyMax)); after its first sample: p50 "
                    + "\(Format.milliseconds(endToEnd.firstSampleP50)), p99 \(Format.milliseconds(endToEnd.firstSampleP99))"
            )
            lines.append(
                "e2e: vhrd CPU \(Format.percent(endToEnd.cpuFraction)) of one core with the clients, "
                    + "\(Format.percent(endToEnd.idleCPUFraction)) capturing alone (/proc/PID/stat utime+stime); "
                    + "dropped \(endToEnd.droppedSamples) samples, \(endToEnd.gaps) index gaps")
        }
        return lines
    }

    // MARK: - JSON

    private struct Row: Encodable {
        var impl: String
        var type: String
        var block: Int
        var readers: Int
        var samples_per_s: Double
        var rounds: Int
        var spread: Spread?
        var ratio_vs_boost: Summary.Ratio?
        var ratio_vs_memcpy: Summary.Ratio?
        var ratio_vs_crosscore: Summary.Ratio?
        var errors: Int
        var pinned: Bool?
        var placements: [String: Int]?
        var details: [String: Double]?
    }

    private struct Spread: Encodable {
        var min: Double
        var p25: Double
        var p75: Double
        var max: Double
    }

    private struct TargetRow: Encodable {
        var type = "target"
        var target: Target
    }

    func jsonLines() throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func line(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        var lines: [String] = []
        for summary in summaries {
            let rates = summary.rates
            lines.append(
                try line(
                    Row(
                        impl: summary.configuration.implementation.rawValue, type: summary.configuration.kind.rawValue,
                        block: summary.configuration.block, readers: summary.configuration.readers,
                        samples_per_s: summary.median.rounded(), rounds: rates.count,
                        spread: Spread(
                            min: rates.min() ?? 0, p25: Statistics.quantile(rates, 0.25),
                            p75: Statistics.quantile(rates, 0.75), max: rates.max() ?? 0),
                        ratio_vs_boost: summary.versusBoost, ratio_vs_memcpy: summary.versusMemcpy,
                        ratio_vs_crosscore: summary.versusCrossCore, errors: summary.errors, pinned: summary.pinned,
                        placements: Dictionary(
                            uniqueKeysWithValues: summary.regimes.map { ($0.key.rawValue, $0.value) }),
                        details: summary.extra.isEmpty ? nil : summary.extra)))
        }
        if let endToEnd {
            lines.append(
                try line(
                    Row(
                        impl: "vhr", type: "e2e", block: endToEnd.frameSamples, readers: endToEnd.clients,
                        samples_per_s: endToEnd.samplesPerClientPerSecond.rounded(), rounds: 1, errors: endToEnd.errors,
                        details: [
                            "latency_p50_ms": endToEnd.latencyP50, "latency_p99_ms": endToEnd.latencyP99,
                            "latency_max_ms": endToEnd.latencyMax,
                            "first_sample_latency_p50_ms": endToEnd.firstSampleP50,
                            "first_sample_latency_p99_ms": endToEnd.firstSampleP99,
                            "cpu_fraction_of_core": endToEnd.cpuFraction,
                            "cpu_seconds_per_audio_second": endToEnd.cpuFraction,
                            "idle_cpu_fraction_of_core": endToEnd.idleCPUFraction,
                            "frames": Double(endToEnd.frames), "dropped_samples": Double(endToEnd.droppedSamples),
                            "gaps": Double(endToEnd.gaps), "seconds": endToEnd.seconds,
                        ])))
        }
        for target in targets {
            lines.append(try line(TargetRow(target: target)))
        }
        return lines
    }
}
