import Synchronization
import VHRSystem

/// Starts a producer and a consumer thread, lets them run for the configured time and collects
/// the consumer's result: the Swift twin of `run_pair` in Sources/CBenchPeers/harness.hpp.
///
/// Both threads pin themselves, wait until the other is ready, then run; the main thread sleeps,
/// sets `stop`, and joins them. Each side stops when it sees `stop` while it would otherwise
/// wait (ring full or empty).
final class TwoThreadRun: Sendable {
    /// Set by the main thread when the time is up; read relaxed in the hot loops (it carries no
    /// data, and thread join orders everything else).
    let stop = Atomic<Bool>(false)
    private let ready = Atomic<Int>(0)
    private let pinnedCount = Atomic<Int>(0)
    private let result = Mutex<RunResult?>(nil)
    let threads: Int

    init(threads: Int = 2) {
        self.threads = threads
    }

    /// Call first on each thread: pins it and waits for the others.
    func enter(cpu: Int) {
        if CPUAffinity.pinCurrentThread(to: cpu) { pinnedCount.add(1, ordering: .relaxed) }
        // Sequentially consistent: a start barrier, off the hot path.
        ready.add(1, ordering: .sequentiallyConsistent)
        while ready.load(ordering: .sequentiallyConsistent) < threads {}
    }

    var isStopped: Bool {
        stop.load(ordering: .relaxed)
    }

    func report(_ value: RunResult) {
        result.withLock { $0 = value }
    }

    /// Runs `producer` on `producerCPU` and `consumer` on `consumerCPU` for `duration`
    /// nanoseconds; the consumer reports its result with `report`.
    static func run(
        durationNanoseconds: Int64, producerCPU: Int, consumerCPU: Int,
        producer: @escaping @Sendable (TwoThreadRun) -> Void, consumer: @escaping @Sendable (TwoThreadRun) -> Void
    ) throws -> RunResult {
        let run = TwoThreadRun()
        let consumerThread = try DedicatedThread(name: "bench-consumer") {
            run.enter(cpu: consumerCPU)
            consumer(run)
        }
        let producerThread = try DedicatedThread(name: "bench-producer") {
            run.enter(cpu: producerCPU)
            producer(run)
        }
        run.waitUntilReady()
        MonotonicClock.sleep(until: MonotonicClock.now() + durationNanoseconds)
        run.stop.store(true, ordering: .relaxed)
        producerThread.join()
        consumerThread.join()
        var value =
            run.result.withLock { $0 }
            ?? RunResult(
                samplesPerSecond: 0, samples: 0, elapsedNanoseconds: 0, chunks: 0, errors: 1)
        value.pinned = producerCPU >= 0 && consumerCPU >= 0 && run.pinnedCount.load(ordering: .relaxed) == 2
        return value
    }

    /// Blocks (sleeping, not spinning: this is the main thread) until every thread entered.
    func waitUntilReady() {
        while ready.load(ordering: .sequentiallyConsistent) < threads {
            MonotonicClock.sleep(until: MonotonicClock.now() + 100_000)
        }
    }

    var pinnedThreads: Int {
        pinnedCount.load(ordering: .relaxed)
    }
}
