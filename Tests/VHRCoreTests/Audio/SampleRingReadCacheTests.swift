import Foundation
import Synchronization
import Testing
import VHRCore

@Suite struct SampleRingReadCacheTests {
    /// Every frame's value is determined by its index and channel, so a wrong frame is caught.
    private static func ramp(_ index: UInt64, channel: Int = 0) -> Int16 {
        Int16(truncatingIfNeeded: index &* 7 &+ UInt64(channel) &* 1000)
    }

    private static func write(_ ring: SampleRing, from start: UInt64, count: Int) {
        let channels = ring.format.channels
        let samples = (0..<count * channels).map { ramp(start + UInt64($0 / channels), channel: $0 % channels) }
        samples.withUnsafeBufferPointer { ring.write($0, captureTime: 0) }
    }

    private static func isRamp(_ samples: ArraySlice<Int16>, first: UInt64, channels: Int) -> Bool {
        samples.indices.allSatisfy { offset in
            let position = offset - samples.startIndex
            return samples[offset] == ramp(first + UInt64(position / channels), channel: position % channels)
        }
    }

    /// Several readers served by one cache, at cursors that coincide, trail and get lapped, in
    /// random interleavings with writes of random sizes: every frame returned is the ramp at its
    /// index, every read starts where the cursor was plus what it says was lost, and in the end
    /// each reader has read or been told it lost every frame written.
    @Test(arguments: [1, 2, 3])
    func readersThroughOneCacheGetRightFramesAndExactLoss(channels: Int) {
        var generator = SystemRandomNumberGenerator()
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000, channels: channels), capacity: 256)
        var cache = SampleRing.ReadCache(ring: ring, capacity: 64)
        var readers = (0..<5).map { _ in SampleRing.Reader(ring: ring, cursor: 0) }
        var received = [UInt64](repeating: 0, count: readers.count)
        var buffer = [Int16](repeating: 0, count: 100 * channels)
        var written: UInt64 = 0
        for _ in 0..<4000 {
            let size = Int.random(in: 1...90, using: &generator)
            Self.write(ring, from: written, count: size)
            written += UInt64(size)
            // Reader 0 catches up every time, reader 4 reads rarely (it gets lapped); the rest in between.
            for index in readers.indices where Int.random(in: 0..<(1 + index * 3), using: &generator) == 0 {
                repeat {
                    let frames = Int.random(in: 1...100, using: &generator)
                    let before = readers[index].cursor
                    let result = buffer.withUnsafeMutableBufferPointer {
                        cache.read(
                            &readers[index], into: UnsafeMutableBufferPointer(rebasing: $0[0..<frames * channels]))
                    }
                    #expect(result.firstIndex == before + result.lost)
                    #expect(result.count <= frames)
                    #expect(
                        Self.isRamp(buffer[0..<result.count * channels], first: result.firstIndex, channels: channels))
                    received[index] += UInt64(result.count)
                } while index == 0 && readers[index].cursor < written
            }
        }
        // Drain: each reader reads until it reaches the live edge.
        for index in readers.indices {
            while readers[index].cursor < written {
                let result = buffer.withUnsafeMutableBufferPointer { cache.read(&readers[index], into: $0) }
                #expect(Self.isRamp(buffer[0..<result.count * channels], first: result.firstIndex, channels: channels))
                received[index] += UInt64(result.count)
            }
            #expect(readers[index].cursor == written)
            #expect(received[index] + readers[index].lost == written, "reader \(index): every frame read or lost")
        }
        #expect(readers[0].lost == 0, "the reader that kept up lost nothing")
        #expect(readers[4].lost > 0, "the rare reader was lapped, so the loss accounting ran")
    }

    /// A reader whose cursor the cache holds is served from it, even after the writer lapped the
    /// ring: the cached frames passed the seqlock check and a frame never changes once written.
    @Test func aCachedFrameIsServedAfterTheRingMovedOn() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 64)
        var cache = SampleRing.ReadCache(ring: ring, capacity: 32)
        Self.write(ring, from: 0, count: 32)
        var buffer = [Int16](repeating: 0, count: 32)
        let first = buffer.withUnsafeMutableBufferPointer { cache.read(from: 0, into: $0) }
        #expect(first == SampleRing.ReadResult(firstIndex: 0, count: 32, lost: 0))

        Self.write(ring, from: 32, count: 200)  // frames 0..<32 are long overwritten in the ring
        let direct = buffer.withUnsafeMutableBufferPointer { ring.read(from: 10, into: $0) }
        #expect(direct.lost > 0, "read from the ring, frame 10 is lost")
        let cached = buffer.withUnsafeMutableBufferPointer { cache.read(from: 10, into: $0) }
        #expect(cached == SampleRing.ReadResult(firstIndex: 10, count: 22, lost: 0))
        #expect(Self.isRamp(buffer[0..<22], first: 10, channels: 1))

        // Past the cached frames the ring is read again, and the lap is reported from the cursor.
        let next = buffer.withUnsafeMutableBufferPointer { cache.read(from: 32, into: $0) }
        #expect(next.lost > 0 && next.firstIndex == 32 + next.lost && next.count > 0)
        #expect(Self.isRamp(buffer[0..<next.count], first: next.firstIndex, channels: 1))
    }

    @Test func aCursorAtTheLiveEdgeReadsNothingAndAShortBufferGetsWhatFits() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 64)
        var cache = SampleRing.ReadCache(ring: ring, capacity: 16)
        var buffer = [Int16](repeating: 0, count: 4)
        #expect(buffer.withUnsafeMutableBufferPointer { cache.read(from: 0, into: $0) }.count == 0)
        Self.write(ring, from: 0, count: 10)
        #expect(buffer.withUnsafeMutableBufferPointer { cache.read(from: 10, into: $0) }.count == 0)
        let part = buffer.withUnsafeMutableBufferPointer { cache.read(from: 3, into: $0) }
        #expect(part == SampleRing.ReadResult(firstIndex: 3, count: 4, lost: 0))
        #expect(Self.isRamp(buffer[0..<4], first: 3, channels: 1))
        let rest = buffer.withUnsafeMutableBufferPointer { cache.read(from: 7, into: $0) }
        #expect(rest == SampleRing.ReadResult(firstIndex: 7, count: 3, lost: 0))
    }

    private final class Shared: Sendable {
        /// Frames written in total, published once the writer stops (UInt64.max until then).
        let produced = Atomic<UInt64>(.max)
        /// Per reader: frames verified, frames lost, wrong frames or indices, final cursor.
        let results = Mutex<[(verified: UInt64, lost: UInt64, bad: Int, cursor: UInt64)]>([])
    }

    /// A writer thread and one serving thread reading for four readers through a cache, the
    /// indices crossing 2^32: the same checks as `SampleRingTests.writerAndThreeReadersStress`.
    /// Run under TSan by scripts/tsan.sh.
    @Test func writerAndAServingThreadStress() async {
        let start: UInt64 = (1 << 32) - 20_000
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 1024, startingAt: start)
        let shared = Shared()
        let deadline = Date().addingTimeInterval(SPSCRingTests.stressSeconds)
        let writer: @Sendable () -> Void = {
            var index = start
            var block = [Int16](repeating: 0, count: 64)
            var size = 1
            var writes = 0
            while Date() < deadline {
                size = size % 63 + 1
                for offset in 0..<size { block[offset] = Self.ramp(index + UInt64(offset)) }
                block.withUnsafeBufferPointer {
                    ring.write(UnsafeBufferPointer(rebasing: $0[0..<size]), captureTime: 0)
                }
                index += UInt64(size)
                writes += 1
                if writes % 1024 == 0 { Thread.sleep(forTimeInterval: 0.000_2) }
            }
            // Releasing: a reader that sees this total also sees every frame counted in it.
            shared.produced.store(index, ordering: .releasing)
        }
        let server: @Sendable () -> Void = {
            var cache = SampleRing.ReadCache(ring: ring, capacity: 128)
            var readers = (0..<4).map { _ in SampleRing.Reader(ring: ring, cursor: start) }
            var results = [(verified: UInt64, lost: UInt64, bad: Int, cursor: UInt64)](
                repeating: (0, 0, 0, 0), count: readers.count)
            var buffer = [Int16](repeating: 0, count: 160)
            var round = 0
            while true {
                // Acquiring: pairs with the writer's final store.
                let produced = shared.produced.load(ordering: .acquiring)
                round += 1
                for index in readers.indices {
                    // Reader 3 is slow: it reads only every 50th round, so it gets lapped.
                    if index == 3 && round % 50 != 0 && produced == .max { continue }
                    let before = readers[index].cursor
                    let result = buffer.withUnsafeMutableBufferPointer {
                        cache.read(
                            &readers[index], into: UnsafeMutableBufferPointer(rebasing: $0[0..<(40 + index * 40)]))
                    }
                    if result.firstIndex != before + result.lost { results[index].bad += 1 }
                    for offset in 0..<result.count where buffer[offset] != Self.ramp(result.firstIndex + UInt64(offset))
                    {
                        results[index].bad += 1
                    }
                    results[index].verified += UInt64(result.count)
                }
                if produced != .max && readers.allSatisfy({ $0.cursor >= produced }) { break }
                sched_yield()  // oversubscribed cores: let the writer run
            }
            for index in readers.indices {
                results[index].lost = readers[index].lost
                results[index].cursor = readers[index].cursor
            }
            shared.results.withLock { $0 = results }
        }
        await runThreads([writer, server])
        let produced = shared.produced.load(ordering: .acquiring)
        let results = shared.results.withLock { $0 }
        #expect(results.count == 4)
        #expect(produced > (1 << 32) + 10_000, "the indices crossed 2^32 and the storage wrapped many times")
        for (number, reader) in results.enumerated() {
            #expect(reader.bad == 0, "reader \(number)")
            #expect(reader.cursor == produced, "reader \(number)")
            #expect(reader.verified + reader.lost == produced - start, "reader \(number): every index read or lost")
            #expect(reader.verified > 0, "reader \(number)")
        }
        #expect(results.last.map { $0.lost > 0 } == true, "the slow reader was lapped, so the loss accounting ran")
    }
}
