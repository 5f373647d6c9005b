import Foundation
import VHRSystem

// vhr-bench: the audio path against its peers and its limits (docs/benchmark.md).

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

let options: BenchOptions
do {
    switch try BenchOptions.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help:
        print(BenchOptions.usage)
        exit(0)
    case .run(let parsed):
        options = parsed
    }
} catch {
    log("vhr-bench: \(error)")
    exit(2)
}

var notes: [String] = []
#if DEBUG
    notes.append("this is a debug build: numbers mean nothing; build with swift build -c release")
#endif
var effective = options
if options.pin, !CPUAffinity.mayRun(on: [options.cpus.0, options.cpus.1]) {
    effective.pin = false
    notes.append("could not pin threads to CPUs \(options.cpus.0),\(options.cpus.1): all runs are unpinned")
} else if !options.pin {
    notes.append("threads unpinned (--no-pin)")
} else {
    notes.append("producer/writer pinned to cpu\(options.cpus.0), consumer/readers to cpu\(options.cpus.1)")
}

do {
    let groups = BenchmarkRunner.groups.joined().filter(effective.includes).count
    log(
        "vhr-bench: \(effective.rounds) rounds x \(groups) configurations, \(effective.runMilliseconds) ms each"
            + (effective.endToEnd ? ", then \(Int(effective.endToEndSeconds)) s end to end" : ""))
    let measurements = try BenchmarkRunner(options: effective).run(progress: log)
    let summaries = Summary.make(measurements)

    var endToEnd: EndToEndSummary?
    if effective.endToEnd {
        log("end to end: vhrd --simulate at 48 kHz, 8 stream clients")
        do {
            let outcome = try EndToEndBenchmark.run(
                EndToEndBenchmark.Settings(
                    vhrdPath: effective.resolvedVhrdPath, warmupSeconds: effective.endToEndWarmupSeconds,
                    idleSeconds: effective.endToEndIdleSeconds, seconds: effective.endToEndSeconds))
            endToEnd = EndToEndSummary(outcome, clients: 8)
        } catch {
            notes.append("end to end not measured: \(error)")
        }
    }
    let targets = Target.check(summaries: summaries, measurements: measurements, endToEnd: endToEnd)
    let errors = summaries.reduce(0) { $0 + $1.errors }
    if errors > 0 {
        notes.append("\(errors) samples failed verification: a ring returned wrong data")
    }
    let report = Report(summaries: summaries, endToEnd: endToEnd, targets: targets, options: effective, notes: notes)
    if effective.json {
        for line in try report.jsonLines() { print(line) }
    } else {
        print(report.table())
    }
    exit(errors > 0 || (endToEnd?.errors ?? 0) > 0 ? 1 : 0)
} catch {
    log("vhr-bench: \(error)")
    exit(1)
}
