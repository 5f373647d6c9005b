import Glibc
import Synchronization
import VHRCore
import VHRSystem

/// `SampleRing` fan-out: one writer thread writes the ramp in `block`-sample blocks as fast as it
/// can (it never waits for readers, by design), `readers` threads each read with their own cursor
/// and check every sample they get against the ramp at the index the ring says it came from.
///
/// A reader's rate is the samples it received (not those it lost when lapped) over the run's wall
/// time. The writer is pinned to one CPU and every reader to the other, so adding readers never
/// takes CPU from the writer; on a 2-core machine N readers share one core, so each reader's
/// wall-clock rate falls with N by construction. The per-CPU-second rate (samples per second of
/// that reader thread's own CPU time) shows what the readers cost each other beyond sharing it.
/// A reader that finds nothing new yields its CPU, so readers sharing a core take turns instead of
/// one spinning out its time slice while the writer's vCPU happens to be descheduled.
enum FanoutBenchmark {
    struct ReaderResult: Sendable {
        var rate: Double
        var samples: Int
        var lost: UInt64
        var errors: Int
        var cpuNanoseconds: Int64
    }

    /// How the readers are driven.
    enum Topology: Sendable {
        /// One thread per reader, every reader thread on the reader CPU.
        case threadPerReader
        /// One thread serves every reader's cursor in turn, a block each, the way vhrd's stream
        /// server serves its clients from one pump thread.
        case oneThread
    }

    static func run(
        readers: Int, block: Int, capacity: Int, durationNanoseconds: Int64, writerCPU: Int, readerCPU: Int,
        topology: Topology = .threadPerReader
    ) throws -> RunResult {
        let ring = SampleRing(format: AudioFormat(sampleRate: 48_000), capacity: capacity)
        let readerThreads = topology == .oneThread ? 1 : readers
        let run = TwoThreadRun(threads: readerThreads + 1)
        let results = Mutex<[ReaderResult]>([])
        let written = Atomic<Int>(0)
        var threads: [DedicatedThread] = []
        for index in 0..<readerThreads {
            threads.append(
                try DedicatedThread(name: "bench-reader\(index)") {
                    run.enter(cpu: readerCPU)
                    let served =
                        topology == .oneThread
                        ? serve(ring, readers: readers, block: block, run)
                        : [
                            read(ring, block: block, run)
                        ]
                    results.withLock { $0.append(contentsOf: served) }
                })
        }
        threads.append(
            try DedicatedThread(name: "bench-writer") {
                run.enter(cpu: writerCPU)
                written.store(write(ring, block: block, run), ordering: .relaxed)
            })
        run.waitUntilReady()
        let start = MonotonicClock.now()
        MonotonicClock.sleep(until: start + durationNanoseconds)
        run.stop.store(true, ordering: .relaxed)
        for thread in threads { thread.join() }
        let elapsed = MonotonicClock.now() - start

        let all = results.withLock { $0 }
        let rates = all.map(\.rate)
        let cpuRates = all.map { $0.cpuNanoseconds > 0 ? Double($0.samples) * 1e9 / Double($0.cpuNanoseconds) : 0 }
        let lost = all.reduce(UInt64(0)) { $0 + $1.lost }
        let received = all.reduce(0) { $0 + $1.samples }
        var result = RunResult(
            samplesPerSecond: rates.min() ?? 0, samples: received, elapsedNanoseconds: elapsed, chunks: rates.count,
            errors: all.reduce(0) { $0 + $1.errors } + (all.count == readers ? 0 : 1))
        result.pinned = writerCPU >= 0 && readerCPU >= 0 && run.pinnedThreads == readerThreads + 1
        result.extra = [
            "reader_mean_samples_per_s": rates.isEmpty ? 0 : rates.reduce(0, +) / Double(rates.count),
            "reader_min_cpu_samples_per_s": cpuRates.min() ?? 0,
            "writer_samples_per_s": Double(written.load(ordering: .relaxed)) * 1e9 / Double(max(1, elapsed)),
            "lost_fraction": received + Int(lost) > 0 ? Double(lost) / Double(received + Int(lost)) : 0,
        ]
        return result
    }

    private static func write(_ ring: SampleRing, block: Int, _ run: TwoThreadRun) -> Int {
        let staging = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block)
        defer { staging.deallocate() }
        var next: UInt64 = 0
        while !run.isStopped {
            Ramp.fill(staging, from: UInt16(truncatingIfNeeded: next))
            ring.write(UnsafeBufferPointer(staging), captureTime: 0)
            next &+= UInt64(block)
        }
        return Int(next)
    }

    private static func read(_ ring: SampleRing, block: Int, _ run: TwoThreadRun) -> ReaderResult {
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block)
        defer { buffer.deallocate() }
        var reader = ring.makeReader()
        var errors = 0
        var samples = 0
        let cpuStart = threadCPUTime()
        let start = MonotonicClock.now()
        while !run.isStopped {
            let result = reader.read(into: buffer)
            if result.count > 0 {
                errors &+= Ramp.mismatches(
                    UnsafeBufferPointer(rebasing: buffer[..<result.count]),
                    from: UInt16(truncatingIfNeeded: result.firstIndex))
                samples &+= result.count
            } else {
                // Nothing new (the writer's vCPU may be descheduled): let the other readers on this
                // CPU run instead of spinning out the time slice, as a poll loop would.
                sched_yield()
            }
            // Lapped: the writer is faster than any reader here, so jump to half a ring behind the
            // live edge (as the stream server skips a slow client forward) instead of chasing the
            // oldest frames, the very next ones to be overwritten; half a ring is there to read at
            // once, so a reader that was descheduled does not come back to an empty ring.
            if result.lost > 0 {
                let live = ring.writeIndex
                reader.skip(to: live - min(live, UInt64(ring.capacity / 2)))
            }
        }
        let elapsed = MonotonicClock.now() - start
        return ReaderResult(
            rate: elapsed > 0 ? Double(samples) * 1e9 / Double(elapsed) : 0, samples: samples, lost: reader.lost,
            errors: errors, cpuNanoseconds: threadCPUTime() - cpuStart)
    }

    /// Serves `readers` cursors from this one thread: each in turn reads at most one block into
    /// its own buffer and checks it. Reads go through a `SampleRing.ReadCache`, as in vhrd's
    /// stream and tap servers: the first cursor to want a block reads it from the ring (across
    /// cores, under the seqlock check); the others at that cursor copy it from the cache, in this
    /// core's L1. CPU time is the serving thread's, shared by its readers.
    private static func serve(_ ring: SampleRing, readers count: Int, block: Int, _ run: TwoThreadRun)
        -> [ReaderResult]
    {
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block)
        defer { buffer.deallocate() }
        // As vhrd's stream server: readers at the same cursor read the ring once between them.
        var reads = SampleRing.ReadCache(ring: ring, capacity: block)
        var readers = (0..<count).map { _ in ring.makeReader() }
        var errors = [Int](repeating: 0, count: count)
        var samples = [Int](repeating: 0, count: count)
        let cpuStart = threadCPUTime()
        let start = MonotonicClock.now()
        while !run.isStopped {
            for index in 0..<count {
                let result = reads.read(&readers[index], into: buffer)
                if result.count > 0 {
                    errors[index] &+= Ramp.mismatches(
                        UnsafeBufferPointer(rebasing: buffer[..<result.count]),
                        from: UInt16(truncatingIfNeeded: result.firstIndex))
                    samples[index] &+= result.count
                }
                if result.lost > 0 {
                    // Lapped: skip to half a ring behind the live edge, as in `read`, or to the
                    // furthest cursor if that is newer, so lapped readers regroup and read the same
                    // blocks one after another, while those blocks are still in this core's cache.
                    let live = ring.writeIndex
                    let furthest = readers.reduce(UInt64(0)) { max($0, $1.cursor) }
                    readers[index].skip(to: max(furthest, live - min(live, UInt64(ring.capacity / 2))))
                }
            }
        }
        let elapsed = MonotonicClock.now() - start
        let cpu = threadCPUTime() - cpuStart
        return (0..<count).map { index in
            ReaderResult(
                rate: elapsed > 0 ? Double(samples[index]) * 1e9 / Double(elapsed) : 0, samples: samples[index],
                lost: readers[index].lost, errors: errors[index], cpuNanoseconds: cpu)
        }
    }

    /// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), nanoseconds.
    private static func threadCPUTime() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
