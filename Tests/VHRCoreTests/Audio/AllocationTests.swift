import CAllocationCounter
import Testing
import VHRCore

/// The rings' hot loops must not allocate (issue 3). The counter is Tests/CAllocationCounter, a
/// malloc override that counts per thread; it is off under the sanitizers, where this suite fails
/// loudly instead of passing silently (scripts/tsan.sh runs only the stress suites).
@Suite struct AllocationTests {
    private static let iterations = 100_000

    /// The counter itself works: an array allocation on this thread is counted.
    @Test func counterCountsAnArrayAllocation() {
        #expect(vhr_allocation_counting_available() == 1, "allocations are not measurable under a sanitizer")
        let count = Int.random(in: 1000...2000)
        vhr_allocation_reset()
        let array = [Int](repeating: 7, count: count)
        let counted = vhr_allocation_count()
        #expect(counted >= 1)
        #expect(array.count == count)
    }

    @Test func spscRingPushPopAndBulkDoNotAllocate() {
        #expect(vhr_allocation_counting_available() == 1, "allocations are not measurable under a sanitizer")
        let ring = SPSCRing<Int16>(capacity: 1024)
        var producer = ring.makeProducer()
        var consumer = ring.makeConsumer()
        let source = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 256)
        let target = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 256)
        defer {
            source.deallocate()
            target.deallocate()
        }
        source.initialize(repeating: 3)
        target.initialize(repeating: 0)
        var checksum = 0
        func loop(_ iterations: Int) {
            for index in 0..<iterations {
                _ = producer.push(Int16(truncatingIfNeeded: index))
                checksum &+= Int(consumer.pop() ?? 0)
                let size = index & 255
                let written = producer.write(UnsafeBufferPointer(rebasing: source[0..<size]))
                checksum &+= consumer.read(into: UnsafeMutableBufferPointer(rebasing: target[0..<size])) &+ written
            }
        }
        loop(1000)  // warm up: lazy metadata and the like
        vhr_allocation_reset()
        loop(Self.iterations)
        let counted = vhr_allocation_count()
        #expect(counted == 0)
        #expect(checksum != 0 && ring.count == 0)
    }

    @Test func sampleRingReadCacheDoesNotAllocate() {
        #expect(vhr_allocation_counting_available() == 1, "allocations are not measurable under a sanitizer")
        let ring = SampleRing(format: AudioFormat(sampleRate: 48_000), capacity: 1024)
        var cache = SampleRing.ReadCache(ring: ring, capacity: 256)
        var readers = (0..<4).map { _ in ring.makeReader() }
        let source = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 256)
        let target = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 256)
        defer {
            source.deallocate()
            target.deallocate()
        }
        source.initialize(repeating: 5)
        target.initialize(repeating: 0)
        var checksum = 0
        func loop(_ iterations: Int) {
            for index in 0..<iterations {
                ring.write(UnsafeBufferPointer(rebasing: source[0..<(index & 255)]), captureTime: Int64(index))
                for reader in readers.indices {
                    let frames = (index &+ reader &* 37) & 255
                    checksum &+=
                        cache.read(&readers[reader], into: UnsafeMutableBufferPointer(rebasing: target[0..<frames]))
                        .count
                }
            }
        }
        loop(1000)
        vhr_allocation_reset()
        loop(Self.iterations)
        let counted = vhr_allocation_count()
        #expect(counted == 0)
        #expect(checksum != 0)
    }

    @Test func sampleRingWriteAndReadDoNotAllocate() {
        #expect(vhr_allocation_counting_available() == 1, "allocations are not measurable under a sanitizer")
        let ring = SampleRing(format: AudioFormat(sampleRate: 48_000, channels: 2), capacity: 1024)
        var reader = ring.makeReader()
        let source = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 512)
        let target = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 512)
        defer {
            source.deallocate()
            target.deallocate()
        }
        source.initialize(repeating: 5)
        target.initialize(repeating: 0)
        var checksum = 0
        func loop(_ iterations: Int) {
            for index in 0..<iterations {
                let frames = index & 255
                ring.write(UnsafeBufferPointer(rebasing: source[0..<frames * 2]), captureTime: Int64(index))
                checksum &+=
                    reader.read(into: UnsafeMutableBufferPointer(rebasing: target[0..<(index & 127) * 2])).count
                checksum &+= ring.read(from: reader.cursor, into: target).count
            }
        }
        loop(1000)
        vhr_allocation_reset()
        loop(Self.iterations)
        let counted = vhr_allocation_count()
        #expect(counted == 0)
        #expect(checksum != 0)
    }
}
