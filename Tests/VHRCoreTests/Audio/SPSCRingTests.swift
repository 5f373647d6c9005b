import Foundation
import Synchronization
import Testing
import VHRCore

@Suite struct SPSCRingTests {
    /// The ramp: every sample's value is determined by its index, so a lost or duplicated sample is caught.
    static func ramp(_ index: UInt64) -> Int16 {
        Int16(truncatingIfNeeded: index &* 7 &+ 3)
    }

    /// Starting indices: zero, just below 2^32 (a 32-bit index would wrap) and just below 2^64.
    static let starts: [UInt64] = [0, (1 << 32) - 300, UInt64.max - 300]

    /// How long each stress test runs: short by default, longer with VHR_STRESS_SECONDS (scripts/tsan.sh --long).
    static var stressSeconds: Double {
        ProcessInfo.processInfo.environment["VHR_STRESS_SECONDS"].flatMap(Double.init) ?? 0.5
    }

    @Test(arguments: starts)
    func rampPerSample(start: UInt64) {
        var generator = SystemRandomNumberGenerator()
        let ring = SPSCRing<Int16>(capacity: 64, startingAt: start)
        var producer = ring.makeProducer()
        var consumer = ring.makeConsumer()
        var next = start  // the next index to push
        var bad = 0
        for _ in 0..<500 {
            for _ in 0..<Int.random(in: 0...80, using: &generator) {
                let full = next &- consumer.index == 64
                let pushed = producer.push(Self.ramp(next))
                if pushed == full { bad += 1 }  // must refuse exactly when full
                if pushed { next &+= 1 }
            }
            #expect(producer.index == next)
            #expect(ring.count == Int(next &- consumer.index))
            for _ in 0..<Int.random(in: 0...80, using: &generator) {
                let expected = consumer.index
                let empty = expected == next
                if let sample = consumer.pop() {
                    if empty || sample != Self.ramp(expected) { bad += 1 }
                } else if !empty {
                    bad += 1
                }
            }
        }
        while let sample = consumer.pop() {
            if sample != Self.ramp(consumer.index &- 1) { bad += 1 }
        }
        #expect(bad == 0)
        #expect(consumer.index == next && next &- start > 10_000)
    }

    @Test(arguments: starts)
    func rampThroughRandomBulkSplits(start: UInt64) {
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 16, 256] {
            let ring = SPSCRing<Int16>(capacity: capacity, startingAt: start)
            var producer = ring.makeProducer()
            var consumer = ring.makeConsumer()
            var source = [Int16](repeating: 0, count: 400)
            var target = [Int16](repeating: 0, count: 400)
            var next = start
            var bad = 0
            for _ in 0..<1000 {
                let offered = Int.random(in: 0...min(400, capacity * 2), using: &generator)
                for offset in 0..<offered { source[offset] = Self.ramp(next &+ UInt64(offset)) }
                let room = capacity - Int(next &- consumer.index)
                let written = source.withUnsafeBufferPointer {
                    producer.write(UnsafeBufferPointer(rebasing: $0[0..<offered]))
                }
                if written != min(offered, room) { bad += 1 }
                next &+= UInt64(written)

                let wanted = Int.random(in: 0...min(400, capacity * 2), using: &generator)
                let first = consumer.index
                let ready = Int(next &- first)
                let read = target.withUnsafeMutableBufferPointer {
                    consumer.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<wanted]))
                }
                if read != min(wanted, ready) { bad += 1 }
                for offset in 0..<read where target[offset] != Self.ramp(first &+ UInt64(offset)) { bad += 1 }
            }
            #expect(bad == 0, "capacity \(capacity)")
            #expect(producer.index == next)
            #expect(consumer.readableCount() == Int(next &- consumer.index))
            #expect(producer.writableCount() == capacity - Int(next &- consumer.index))
        }
    }

    @Test func indicesWrapPast2To64() {
        let ring = SPSCRing<Int16>(capacity: 8, startingAt: UInt64.max - 2)
        var producer = ring.makeProducer()
        var consumer = ring.makeConsumer()
        let samples: [Int16] = [1, 2, 3, 4, 5, 6]
        #expect(samples.withUnsafeBufferPointer { producer.write($0) } == 6)
        #expect(producer.index == 3)  // wrapped: UInt64.max - 2 + 6
        #expect(ring.count == 6)
        #expect(producer.writableCount() == 2)
        var buffer = [Int16](repeating: 0, count: 8)
        #expect(buffer.withUnsafeMutableBufferPointer { consumer.read(into: $0) } == 6)
        #expect(Array(buffer.prefix(6)) == samples)
        #expect(consumer.index == 3 && consumer.pop() == nil)
    }

    @Test func emptyBuffersMoveNothing() {
        let ring = SPSCRing<Int16>(capacity: 4)
        var producer = ring.makeProducer()
        var consumer = ring.makeConsumer()
        #expect(producer.write(UnsafeBufferPointer(start: nil, count: 0)) == 0)
        #expect(consumer.read(into: UnsafeMutableBufferPointer(start: nil, count: 0)) == 0)
        let pushed = producer.push(9)
        #expect(pushed)
        #expect(consumer.read(into: UnsafeMutableBufferPointer(start: nil, count: 0)) == 0)
        #expect(consumer.pop() == 9)
    }

    @Test func genericOverOtherElements() {
        let ring = SPSCRing<Float>(capacity: 4)
        var producer = ring.makeProducer()
        var consumer = ring.makeConsumer()
        for value in [0.5, -1.25, 3] as [Float] {
            let pushed = producer.push(value)
            #expect(pushed)
        }
        #expect(consumer.pop() == 0.5)
        #expect(consumer.pop() == -1.25)
        #expect(consumer.pop() == 3)
        #expect(consumer.pop() == nil)
    }

    /// The handles hold the ring through a manually retained reference: each keeps the ring (and its
    /// storage) alive on its own, and the ring is freed once the last of them and the ring's own
    /// references are gone (a missing retain would free it early, a missing release would leak it).
    @Test func handlesKeepTheRingAliveAndReleaseIt() {
        weak var weakRing: SPSCRing<Int16>?
        var consumer: SPSCRing<Int16>.Consumer
        do {
            var producer: SPSCRing<Int16>.Producer
            do {
                let ring = SPSCRing<Int16>(capacity: 8)
                weakRing = ring
                producer = ring.makeProducer()
                consumer = ring.makeConsumer()
            }
            #expect(weakRing != nil)
            let pushed = producer.push(41)
            #expect(pushed)
            _ = consume producer
            #expect(weakRing != nil)
            #expect(consumer.pop() == 41)
        }
        #expect(weakRing != nil)
        _ = consume consumer
        #expect(weakRing == nil)
    }

    /// Staged elements take room at once but reach the consumer only when published, by `publish()`
    /// or by the next `push`/`write`; a full ring of staged elements refuses more until published and read.
    @Test(arguments: starts)
    func pushUnpublishedIsVisibleOnlyAfterPublish(start: UInt64) {
        let ring = SPSCRing<Int16>(capacity: 4, startingAt: start)
        var producer = ring.makeProducer()
        var consumer = ring.makeConsumer()
        for value in [1, 2, 3, 4] as [Int16] {
            let staged = producer.pushUnpublished(value)
            #expect(staged)
        }
        let fifth = producer.pushUnpublished(5)
        #expect(!fifth)
        #expect(producer.index == start &+ 4)
        #expect(consumer.pop() == nil && consumer.readableCount() == 0 && ring.count == 0)
        producer.publish()
        #expect(consumer.readableCount() == 4 && ring.count == 4)
        #expect(consumer.pop() == 1 && consumer.pop() == 2)
        let staged = producer.pushUnpublished(5)
        #expect(staged)
        #expect(consumer.pop() == 3 && consumer.pop() == 4 && consumer.pop() == nil)
        // A plain push publishes what was staged before it.
        let pushed = producer.push(6)
        #expect(pushed)
        #expect(consumer.pop() == 5 && consumer.pop() == 6 && consumer.pop() == nil)
        #expect(consumer.index == start &+ 6)
    }

    @Test func aSecondProducerTraps() async {
        await #expect(processExitsWith: .failure) {
            let ring = SPSCRing<Int16>(capacity: 4)
            _ = ring.makeProducer()
            _ = ring.makeProducer()
        }
    }

    /// What the stress test's two threads share.
    private final class Shared: Sendable {
        /// Samples the producer wrote in total, published once it stops (UInt64.max until then).
        let produced = Atomic<UInt64>(.max)
        /// Consumer's result: samples received, wrong samples, per-sample and bulk reads that returned data.
        let result = LockedBox<(received: UInt64, bad: Int, pops: Int, reads: Int)>((0, 0, 0, 0))
    }

    /// Two threads, ~0.5 s, mixing per-sample and bulk calls of varying sizes on a small ring so it is
    /// full and empty often; the indices start just below 2^32 and 2^64 so both wrap during the run.
    /// The ramp catches any lost, duplicated or torn sample; run under TSan by scripts/tsan.sh.
    @Test(.serialized, arguments: [0, (1 << 32) - 5000, UInt64.max - 5000] as [UInt64])
    func concurrentProducerAndConsumerStress(start: UInt64) async {
        let ring = SPSCRing<Int16>(capacity: 256, startingAt: start)
        let shared = Shared()
        let deadline = Date().addingTimeInterval(Self.stressSeconds)
        let producerThread: @Sendable () -> Void = {
            var producer = ring.makeProducer()
            var block = [Int16](repeating: 0, count: 300)
            var size = 1
            var round = 0
            var batch = 0
            while Date() < deadline {
                batch &+= 1
                for _ in 0..<64 {
                    round &+= 1
                    // Every other batch the producer dawdles, so the consumer drains the ring and waits
                    // on it empty: then it reads samples the moment they are published, which is where
                    // a missing release/acquire pair shows (TSan cannot see it while the ring is full).
                    if batch & 1 == 0 && round & 3 == 0 { Thread.sleep(forTimeInterval: 0.000_02) }
                    if round % 6 == 0 {
                        // Per sample, batched: stage until refused, then publish the batch.
                        while producer.pushUnpublished(Self.ramp(producer.index)) {
                            if producer.index % 31 == 0 { break }
                        }
                        producer.publish()
                    } else if round % 3 == 0 {
                        // Per sample: push until refused.
                        while producer.push(Self.ramp(producer.index)) {
                            if producer.index % 97 == 0 { break }
                        }
                    } else {
                        size = size % 299 + 1
                        let first = producer.index
                        for offset in 0..<size { block[offset] = Self.ramp(first &+ UInt64(offset)) }
                        let written = block.withUnsafeBufferPointer {
                            producer.write(UnsafeBufferPointer(rebasing: $0[0..<size]))
                        }
                        // Full: on oversubscribed cores, let the consumer run rather than spin out the time slice.
                        if written == 0 { sched_yield() }
                    }
                }
            }
            // Releasing: the consumer must see every sample counted here.
            shared.produced.store(producer.index &- start, ordering: .releasing)
        }
        let consumerThread: @Sendable () -> Void = {
            var consumer = ring.makeConsumer()
            var buffer = [Int16](repeating: 0, count: 333)
            var size = 1
            var bad = 0
            var pops = 0
            var reads = 0
            var round = 0
            while true {
                // Acquiring: pairs with the producer's final store.
                let produced = shared.produced.load(ordering: .acquiring)
                if produced != .max && consumer.index &- start == produced { break }
                round &+= 1
                if round % 4 == 0 {
                    while let sample = consumer.pop() {
                        pops += 1
                        if sample != Self.ramp(consumer.index &- 1) { bad += 1 }
                        if consumer.index % 89 == 0 { break }
                    }
                } else {
                    size = size % 332 + 1
                    let first = consumer.index
                    let count = buffer.withUnsafeMutableBufferPointer {
                        consumer.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<size]))
                    }
                    if count > 0 { reads += 1 } else { sched_yield() }
                    for offset in 0..<count where buffer[offset] != Self.ramp(first &+ UInt64(offset)) { bad += 1 }
                }
            }
            shared.result.withLock { $0 = (consumer.index &- start, bad, pops, reads) }
        }
        await runThreads([producerThread, consumerThread])
        let produced = shared.produced.load(ordering: .acquiring)
        let result = shared.result.withLock { $0 }
        #expect(result.bad == 0)
        #expect(result.received == produced)
        #expect(produced > 10_000, "the indices crossed the 2^32 or 2^64 wrap and the storage wrapped many times")
        #expect(result.pops > 0 && result.reads > 0, "both the per-sample and the bulk path ran")
        #expect(ring.count == 0)
    }
}

/// Runs each closure on its own thread and returns when all have finished.
func runThreads(_ bodies: [@Sendable () -> Void]) async {
    let group = DispatchGroup()
    for body in bodies {
        group.enter()
        Thread {
            body()
            group.leave()
        }.start()
    }
    await withCheckedContinuation { continuation in
        group.notify(queue: .global()) { continuation.resume() }
    }
}

/// A value shared between test threads behind a pthread mutex (NSLock).
///
/// Not `Synchronization.Mutex`: on Linux it hands a contended lock over through the kernel, which the
/// thread sanitizer cannot see, so it reports the protected value as raced.
final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
