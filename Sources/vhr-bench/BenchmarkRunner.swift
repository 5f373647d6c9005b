import CBenchPeers
import Foundation

/// Runs every configuration once per round, interleaved, so that a change in the VM's placement
/// or load hits all configurations alike instead of one of them.
///
/// Configurations are grouped by block size (the rows a ratio compares run next to each other);
/// groups rotate their start from round to round and the order inside a group is shuffled with a
/// seeded generator, so no configuration always runs first or last.
struct BenchmarkRunner {
    static let blocks = [1, 32, 256, 4096]
    static let fanoutReaders = [1, 4, 8]
    static let fanoutBlock = 256

    let options: BenchOptions

    /// The crosscore row's pipelined bound (`vhr_bench_crosscore_pipelined_run`), in `extra`.
    static let pipelinedKey = "pipelined_samples_per_s"

    /// The groups of configurations one round runs.
    static var groups: [[Configuration]] {
        var groups: [[Configuration]] = blocks.map { block in
            var group = [Configuration.Implementation.vhr, .boost, .jack, .spa].map {
                Configuration(implementation: $0, kind: .spsc, block: block)
            }
            if block == 1 { group.append(Configuration(implementation: .vhrPublish32, kind: .spsc, block: 1)) }
            if block > 1 {
                group.append(Configuration(implementation: .memcpy, kind: .limit, block: block))
                group.append(Configuration(implementation: .crosscore, kind: .limit, block: block))
            }
            return group
        }
        groups.append(
            fanoutReaders.map { Configuration(implementation: .vhr, kind: .fanout, block: fanoutBlock, readers: $0) }
                + fanoutReaders.dropFirst().map {
                    Configuration(implementation: .vhrServed, kind: .fanout, block: fanoutBlock, readers: $0)
                })
        return groups
    }

    /// Runs all rounds; `progress` gets one line per round.
    func run(progress: (String) -> Void) throws -> [Measurement] {
        var generator = SplitMix64(seed: options.seed)
        var measurements: [Measurement] = []
        let groups = Self.groups.map { group in
            group.filter(options.includes)
        }.filter { !$0.isEmpty }
        for round in 0..<options.rounds {
            let start = Date()
            for offset in 0..<groups.count {
                for configuration in groups[(round + offset) % groups.count].shuffled(using: &generator) {
                    measurements.append(try measure(configuration, round: round))
                }
            }
            let regimes = measurements.filter { $0.round == round }.map(\.regime.rawValue)
            let counts = Dictionary(grouping: regimes, by: { $0 }).mapValues(\.count)
                .sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            progress(
                "round \(round + 1)/\(options.rounds): \(String(format: "%.1f", Date().timeIntervalSince(start))) s, "
                    + "placements \(counts)")
        }
        return measurements
    }

    private func measure(_ configuration: Configuration, round: Int) throws -> Measurement {
        let cpus = options.pinnedCPUs
        let probeCPUs = (cpus.producer, cpus.consumer)
        let probe = Int64(options.probeMilliseconds) * 1_000_000
        let before = PlacementRegime.probe(cpus: probeCPUs, durationNanoseconds: probe)
        let result = try execute(configuration)
        let after = PlacementRegime.probe(cpus: probeCPUs, durationNanoseconds: probe)
        let first = PlacementRegime(roundTripNanoseconds: before)
        let second = PlacementRegime(roundTripNanoseconds: after)
        let regime: PlacementRegime =
            first == second ? first : (first == .busy || second == .busy ? .busy : .mixed)
        return Measurement(
            configuration: configuration, round: round, result: result, regime: regime, roundTrips: (before, after))
    }

    private func execute(_ configuration: Configuration) throws -> RunResult {
        let cpus = options.pinnedCPUs
        let duration = Int64(options.runMilliseconds) * 1_000_000
        let config = vhr_bench_config(
            block: Int64(configuration.block), capacity: Int64(options.capacity), duration_ns: duration,
            producer_cpu: Int32(cpus.producer), consumer_cpu: Int32(cpus.consumer),
            backoff_pauses: Int32(options.pauses))
        switch (configuration.kind, configuration.implementation) {
        case (.spsc, .vhr):
            return try SPSCBenchmark.run(
                block: configuration.block, capacity: options.capacity, durationNanoseconds: duration,
                producerCPU: cpus.producer, consumerCPU: cpus.consumer, pauses: Int32(options.pauses))
        case (_, .vhrPublish32):
            return try SPSCBenchmark.runBatchedPublish(
                every: 32, capacity: options.capacity, durationNanoseconds: duration, producerCPU: cpus.producer,
                consumerCPU: cpus.consumer, pauses: Int32(options.pauses))
        case (.fanout, _):
            return try FanoutBenchmark.run(
                readers: configuration.readers, block: configuration.block, capacity: options.capacity,
                durationNanoseconds: duration, writerCPU: cpus.producer, readerCPU: cpus.consumer,
                topology: configuration.implementation == .vhrServed ? .oneThread : .threadPerReader)
        case (_, .boost): return RunResult(vhr_bench_boost_run(config))
        case (_, .jack): return RunResult(vhr_bench_jack_run(config))
        case (_, .spa): return RunResult(vhr_bench_spa_run(config))
        case (_, .memcpy): return RunResult(vhr_bench_memcpy_run(config))
        case (_, .crosscore):
            let raw = vhr_bench_crosscore_run(config)
            var result = RunResult(raw)
            // The serial cycle (write, hand off, read, hand back), for comparison with the bound.
            result.extra["serial_cycle_samples_per_s"] =
                raw.elapsed_ns > 0 ? Double(raw.samples) * 1e9 / Double(raw.elapsed_ns) : 0
            // The like-for-like bound for a ring (both sides at once), in the same placement bracket.
            let pipelined = vhr_bench_crosscore_pipelined_run(config)
            result.extra[Self.pipelinedKey] = pipelined.chunk_median_rate
            result.errors += Int(pipelined.errors)
            return result
        case (_, .vhr), (_, .vhrServed): preconditionFailure("no runner for \(configuration)")
        }
    }
}

/// A small seeded generator (SplitMix64), so a run's configuration order is repeatable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
