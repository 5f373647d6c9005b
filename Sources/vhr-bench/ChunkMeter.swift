import Glibc
import VHRSystem

/// Times a consumer's progress in chunks of at least 65,536 samples and reports the median chunk
/// rate, which ignores the few chunks a descheduled vCPU stalled for milliseconds. The same
/// method as the C++ harness (Sources/CBenchPeers/harness.hpp), so Swift and C++ rows compare.
///
/// Storage is allocated once up front: `add` never allocates.
struct ChunkMeter: ~Copyable {
    static let chunkSamples = 65_536
    private static let maxChunks = 1 << 16

    private let rates: UnsafeMutablePointer<Double>
    private var recorded = 0
    private var chunk = 0
    private var total = 0
    private var chunkStart: Int64 = 0
    private var first: Int64 = 0

    init() {
        rates = .allocate(capacity: Self.maxChunks)
    }

    deinit {
        rates.deallocate()
    }

    mutating func start() {
        first = MonotonicClock.now()
        chunkStart = first
    }

    mutating func add(_ samples: Int) {
        chunk &+= samples
        guard chunk >= Self.chunkSamples else { return }
        let now = MonotonicClock.now()
        if now > chunkStart, recorded < Self.maxChunks {
            rates[recorded] = Double(chunk) * 1e9 / Double(now - chunkStart)
            recorded += 1
        }
        total += chunk
        chunk = 0
        chunkStart = now
    }

    /// The run's result; call once, after the last `add`.
    mutating func finish(errors: Int) -> RunResult {
        total += chunk
        let elapsed = MonotonicClock.now() - first
        var buffer = UnsafeMutableBufferPointer(start: rates, count: recorded)
        buffer.sort()
        let median =
            recorded > 0
            ? buffer[recorded / 2]
            : (elapsed > 0 ? Double(total) * 1e9 / Double(elapsed) : 0)
        return RunResult(
            samplesPerSecond: median, samples: total, elapsedNanoseconds: elapsed, chunks: recorded, errors: errors)
    }
}
