import CBenchPeers
import VHRCore

/// This project's `SPSCRing<Int16>` in the same harness as the C++ peers: the producer pushes a
/// ramp (sample i is Int16(truncatingIfNeeded: i)), the consumer checks every sample.
enum SPSCBenchmark {
    /// Per element (`push`/`pop`) for block 1, `write`/`read` of `block` samples otherwise.
    static func run(
        block: Int, capacity: Int, durationNanoseconds: Int64, producerCPU: Int, consumerCPU: Int, pauses: Int32 = 0
    ) throws -> RunResult {
        let ring = SPSCRing<Int16>(capacity: capacity)
        if block <= 1 {
            return try TwoThreadRun.run(
                durationNanoseconds: durationNanoseconds, producerCPU: producerCPU, consumerCPU: consumerCPU,
                producer: { run in perElementProducer(ring, pauses: pauses, run) },
                consumer: { run in perElementConsumer(ring, pauses: pauses, run) })
        }
        return try TwoThreadRun.run(
            durationNanoseconds: durationNanoseconds, producerCPU: producerCPU, consumerCPU: consumerCPU,
            producer: { run in bulkProducer(ring, block: block, run) },
            consumer: { run in bulkConsumer(ring, block: block, run) })
    }

    /// Per element with batched publishing: `pushUnpublished` per sample, `publish()` every `every`
    /// samples and whenever the ring is full; the consumer is the plain per-element one.
    static func runBatchedPublish(
        every: Int, capacity: Int, durationNanoseconds: Int64, producerCPU: Int, consumerCPU: Int, pauses: Int32 = 0
    ) throws -> RunResult {
        precondition(every > 0 && every & (every - 1) == 0 && every <= stopCheckInterval, "a power of two ≤ 4096")
        let ring = SPSCRing<Int16>(capacity: capacity)
        return try TwoThreadRun.run(
            durationNanoseconds: durationNanoseconds, producerCPU: producerCPU, consumerCPU: consumerCPU,
            producer: { run in batchedPublishProducer(ring, every: every, run) },
            consumer: { run in perElementConsumer(ring, pauses: pauses, run) })
    }

    /// How often the per-element producer looks at the stop flag, as in the C++ harness.
    private static let stopCheckInterval = 4096

    private static func perElementProducer(_ ring: SPSCRing<Int16>, pauses: Int32, _ run: TwoThreadRun) {
        var producer = ring.makeProducer()
        var next: UInt16 = 0
        var pushed = 0
        while true {
            while !producer.push(Int16(bitPattern: next)) {
                if run.isStopped { return }
                vhr_bench_backoff(pauses)
            }
            next &+= 1
            pushed &+= 1
            if pushed & (stopCheckInterval - 1) == 0, run.isStopped { return }
        }
    }

    private static func batchedPublishProducer(_ ring: SPSCRing<Int16>, every: Int, _ run: TwoThreadRun) {
        var producer = ring.makeProducer()
        var next: UInt16 = 0
        var pushed = 0
        while true {
            while !producer.pushUnpublished(Int16(bitPattern: next)) {
                producer.publish()
                if run.isStopped { return }
            }
            next &+= 1
            pushed &+= 1
            if pushed & (every - 1) == 0 {
                producer.publish()
                if pushed & (stopCheckInterval - 1) == 0, run.isStopped { return }
            }
        }
    }

    private static func perElementConsumer(_ ring: SPSCRing<Int16>, pauses: Int32, _ run: TwoThreadRun) {
        var consumer = ring.makeConsumer()
        var meter = ChunkMeter()
        var expected: UInt16 = 0
        var errors = 0
        var batch = 0
        meter.start()
        while true {
            guard let value = consumer.pop() else {
                if run.isStopped { break }
                vhr_bench_backoff(pauses)
                continue
            }
            errors &+= value == Int16(bitPattern: expected) ? 0 : 1
            expected &+= 1
            batch &+= 1
            if batch == stopCheckInterval {
                meter.add(batch)
                batch = 0
            }
        }
        meter.add(batch)
        run.report(meter.finish(errors: errors))
    }

    private static func bulkProducer(_ ring: SPSCRing<Int16>, block: Int, _ run: TwoThreadRun) {
        var producer = ring.makeProducer()
        let staging = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block)
        defer { staging.deallocate() }
        var next: UInt16 = 0
        while true {
            Ramp.fill(staging, from: next)
            var done = 0
            while done < block {
                let moved = producer.write(UnsafeBufferPointer(rebasing: staging[done...]))
                if moved == 0, run.isStopped { return }
                done &+= moved
            }
            next &+= UInt16(truncatingIfNeeded: block)
            if run.isStopped { return }
        }
    }

    private static func bulkConsumer(_ ring: SPSCRing<Int16>, block: Int, _ run: TwoThreadRun) {
        var consumer = ring.makeConsumer()
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block)
        defer { buffer.deallocate() }
        var meter = ChunkMeter()
        var expected: UInt16 = 0
        var errors = 0
        meter.start()
        while true {
            let moved = consumer.read(into: buffer)
            if moved == 0 {
                if run.isStopped { break }
                continue
            }
            errors &+= Ramp.mismatches(UnsafeBufferPointer(rebasing: buffer[..<moved]), from: expected)
            expected &+= UInt16(truncatingIfNeeded: moved)
            meter.add(moved)
        }
        run.report(meter.finish(errors: errors))
    }
}
