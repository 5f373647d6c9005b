import Foundation

/// `vhr-bench`'s command line.
struct BenchOptions {
    var rounds = 9
    var runMilliseconds = 200
    var probeMilliseconds = 10
    var endToEndSeconds = 10.0
    var endToEndWarmupSeconds = 1.0
    var endToEndIdleSeconds = 2.0
    var endToEnd = true
    var json = false
    var pin = true
    var cpus = (0, 1)
    var capacity = 16_384
    /// Spin-wait hints a per-element harness runs after finding a ring empty or full (`--pauses`).
    var pauses = 1
    var seed: UInt64 = 1
    var vhrdPath: String?
    var quick = false
    /// Only these kinds of configuration (`--only`); nil for all.
    var only: Set<Configuration.Kind>?
    /// Only these block sizes of the spsc and limit rows (`--blocks`); nil for all.
    var blocks: Set<Int>?

    /// Whether this run measures `configuration` (`--only`, `--blocks`).
    func includes(_ configuration: Configuration) -> Bool {
        guard only?.contains(configuration.kind) ?? true else { return false }
        switch configuration.kind {
        case .spsc, .limit: return blocks?.contains(configuration.block) ?? true
        case .fanout, .e2e: return true
        }
    }

    static let usage = """
        usage: vhr-bench [--quick] [--rounds N] [--json] [options]

        Benchmarks vhr's audio rings against boost::lockfree::spsc_queue, jack_ringbuffer and
        spa_ringbuffer, the memcpy and cross-core copy limits, and vhrd end to end. Configurations
        are interleaved over rounds; the table gives medians over rounds and paired ratios.
        Build in release: swift build -c release (see docs/benchmark.md).

          --rounds N           rounds over every configuration (default 9)
          --quick              a smoke run of about half a minute: 3 rounds, short runs, 3 s end to end
          --run-ms MS          length of one timed run (default 200)
          --e2e-seconds S      end-to-end measuring window (default 10)
          --no-e2e             skip the end-to-end scenario
          --only KINDS         only these kinds, comma-separated: spsc, limit, fanout, e2e
          --blocks SIZES       only these spsc/limit block sizes, comma-separated from 1, 32, 256, 4096
                               (e.g. --only spsc --blocks 1: many per-sample rounds, to see every placement)
          --vhrd PATH          the vhrd to start (default: next to this executable)
          --cpus A,B           the producer's and consumer's CPUs (default 0,1)
          --no-pin             leave the threads unpinned
          --capacity N         ring capacity in samples, a power of two (default 16384; boost's is
                               fixed at 16384, so its rows do not follow)
          --pauses N           per-sample runs: spin-wait hints after finding a ring empty or full,
                               the same for every ring (default 1; 0 polls again at once)
          --seed N             the order of configurations inside a round (default 1)
          --json               one JSON object per configuration (and per target) instead of the table
          --help
        """

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    enum Action {
        case run(BenchOptions)
        case help
    }

    static func parse(_ arguments: [String]) throws -> Action {
        var options = BenchOptions()
        var explicitRounds: Int?
        var explicitRun: Int?
        var explicitSeconds: Double?
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let value = iterator.next() else { throw UsageError(description: "\(flag) needs a value") }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--help", "-h": return .help
            case "--quick": options.quick = true
            case "--json": options.json = true
            case "--no-e2e": options.endToEnd = false
            case "--no-pin": options.pin = false
            case "--rounds":
                guard let rounds = Int(try value(argument)), rounds >= 1 else {
                    throw UsageError(description: "--rounds needs a whole number of at least 1")
                }
                explicitRounds = rounds
            case "--run-ms":
                guard let milliseconds = Int(try value(argument)), milliseconds >= 10 else {
                    throw UsageError(description: "--run-ms needs at least 10 milliseconds")
                }
                explicitRun = milliseconds
            case "--e2e-seconds":
                guard let seconds = Double(try value(argument)), seconds >= 1 else {
                    throw UsageError(description: "--e2e-seconds needs at least 1 second")
                }
                explicitSeconds = seconds
            case "--only":
                let text = try value(argument)
                let kinds = text.split(separator: ",").map { Configuration.Kind(rawValue: String($0)) }
                guard !kinds.isEmpty, kinds.allSatisfy({ $0 != nil }) else {
                    throw UsageError(description: "--only needs kinds from spsc, limit, fanout, e2e, not '\(text)'")
                }
                options.only = Set(kinds.compactMap { $0 })
            case "--blocks":
                let text = try value(argument)
                let sizes = text.split(separator: ",").map { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0.map(BenchmarkRunner.blocks.contains) ?? false }) else {
                    throw UsageError(description: "--blocks needs sizes from 1, 32, 256, 4096, not '\(text)'")
                }
                options.blocks = Set(sizes.compactMap { $0 })
            case "--vhrd": options.vhrdPath = try value(argument)
            case "--capacity":
                guard let capacity = Int(try value(argument)), capacity >= 4096, capacity & (capacity - 1) == 0 else {
                    throw UsageError(description: "--capacity needs a power of two of at least 4096")
                }
                options.capacity = capacity
            case "--pauses":
                guard let pauses = Int(try value(argument)), (0...1000).contains(pauses) else {
                    throw UsageError(description: "--pauses needs a whole number from 0 to 1000")
                }
                options.pauses = pauses
            case "--seed":
                guard let seed = UInt64(try value(argument)) else {
                    throw UsageError(description: "--seed needs a whole number")
                }
                options.seed = seed
            case "--cpus":
                let parts = try value(argument).split(separator: ",").compactMap { Int($0) }
                guard parts.count == 2, parts.allSatisfy({ $0 >= 0 }), parts[0] != parts[1] else {
                    throw UsageError(description: "--cpus needs two different CPU numbers, like 0,1")
                }
                options.cpus = (parts[0], parts[1])
            default:
                throw UsageError(description: "unknown option '\(argument)'; see vhr-bench --help")
            }
        }
        if options.quick {
            options.rounds = 3
            options.runMilliseconds = 60
            options.probeMilliseconds = 5
            options.endToEndSeconds = 3
            options.endToEndWarmupSeconds = 0.5
            options.endToEndIdleSeconds = 1
        }
        if let only = options.only, !only.contains(.e2e) { options.endToEnd = false }
        options.rounds = explicitRounds ?? options.rounds
        options.runMilliseconds = explicitRun ?? options.runMilliseconds
        options.endToEndSeconds = explicitSeconds ?? options.endToEndSeconds
        return .run(options)
    }

    /// The CPUs the two sides are pinned to, or -1 each when pinning is off.
    var pinnedCPUs: (producer: Int, consumer: Int) {
        pin ? cpus : (-1, -1)
    }

    /// vhrd next to this executable (the same build directory), unless `--vhrd` says otherwise.
    var resolvedVhrdPath: String {
        if let vhrdPath { return vhrdPath }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("vhrd").path
    }
}
