import Foundation
import Synchronization
import Testing
import VHRCore

@Suite struct SampleRingTests {
    /// The ramp: every frame's value is determined by its index, so a wrong frame is caught.
    private static func ramp(_ index: UInt64, channel: Int = 0) -> Int16 {
        Int16(truncatingIfNeeded: index &* 7 &+ UInt64(channel) &* 1000)
    }

    private func write(_ ring: SampleRing, from start: UInt64, count: Int, captureTime: Int64 = 0) {
        let channels = ring.format.channels
        let samples = (0..<count * channels).map { Self.ramp(start + UInt64($0 / channels), channel: $0 % channels) }
        samples.withUnsafeBufferPointer { ring.write($0, captureTime: captureTime) }
    }

    private func read(_ ring: SampleRing, from cursor: UInt64, frames: Int) -> (SampleRing.ReadResult, [Int16]) {
        var buffer = [Int16](repeating: 0, count: frames * ring.format.channels)
        let result = buffer.withUnsafeMutableBufferPointer { ring.read(from: cursor, into: $0) }
        return (result, Array(buffer.prefix(result.count * ring.format.channels)))
    }

    private func check(_ samples: [Int16], first: UInt64, channels: Int = 1) -> Bool {
        samples.indices.allSatisfy { samples[$0] == Self.ramp(first + UInt64($0 / channels), channel: $0 % channels) }
    }

    @Test func rampThroughRandomSplits() {
        var generator = SystemRandomNumberGenerator()
        for channels in [1, 2] {
            let ring = SampleRing(format: AudioFormat(sampleRate: 8000, channels: channels), capacity: 512)
            var written: UInt64 = 0
            var cursor: UInt64 = 0
            for _ in 0..<2000 {
                // Never write more than the reader can keep up with, so nothing is lost.
                let room = 512 - Int(written - cursor)
                let count = Int.random(in: 0...min(room, 300), using: &generator)
                write(ring, from: written, count: count)
                written += UInt64(count)
                #expect(ring.writeIndex == written)
                let (result, samples) = read(ring, from: cursor, frames: Int.random(in: 0...200, using: &generator))
                #expect(result.firstIndex == cursor)
                #expect(result.lost == 0)
                #expect(check(samples, first: cursor, channels: channels))
                cursor = result.nextCursor
            }
            // Drain the rest.
            let (result, samples) = read(ring, from: cursor, frames: 512)
            #expect(result.nextCursor == written && result.lost == 0)
            #expect(check(samples, first: cursor, channels: channels))
            #expect(written > 100_000, "the storage wrapped many times")
        }
    }

    @Test func lappedReaderLearnsExactLoss() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 64)
        write(ring, from: 0, count: 50)
        write(ring, from: 50, count: 150)
        // Lapped: resume past the oldest frame (136) by the largest write, capped at half the ring (32).
        let (result, samples) = read(ring, from: 10, frames: 100)
        #expect(result == SampleRing.ReadResult(firstIndex: 168, count: 32, lost: 158))
        #expect(check(samples, first: 168))
        // Caught up: nothing more, nothing lost.
        let (next, _) = read(ring, from: result.nextCursor, frames: 10)
        #expect(next == SampleRing.ReadResult(firstIndex: 200, count: 0, lost: 0))
    }

    @Test func lappedReaderResumesByTheLargestWrite() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 64)
        for block in 0..<40 { write(ring, from: UInt64(block) * 5, count: 5) }
        let (result, samples) = read(ring, from: 0, frames: 64)
        // 200 written, oldest 136, largest write 5: frames 136..<141 are the next to be overwritten.
        #expect(result == SampleRing.ReadResult(firstIndex: 141, count: 59, lost: 141))
        #expect(check(samples, first: 141))
        // A reader exactly one ring behind is not lapped: it gets every frame still held.
        let (oldest, kept) = read(ring, from: 136, frames: 64)
        #expect(oldest == SampleRing.ReadResult(firstIndex: 136, count: 64, lost: 0))
        #expect(check(kept, first: 136))
    }

    @Test func writeLargerThanCapacityKeepsTheNewest() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 16)
        write(ring, from: 0, count: 5)
        write(ring, from: 5, count: 40)
        #expect(ring.writeIndex == 45)
        let (held, kept) = read(ring, from: 29, frames: 32)
        #expect(held == SampleRing.ReadResult(firstIndex: 29, count: 16, lost: 0))
        #expect(check(kept, first: 29))
        let (result, samples) = read(ring, from: 0, frames: 32)
        #expect(result == SampleRing.ReadResult(firstIndex: 37, count: 8, lost: 37))
        #expect(check(samples, first: 37))
    }

    /// Indices start just below 2^32 and cross it; 3 channels put frames across word boundaries;
    /// capacities 1 and 2 are below the 4-frame storage minimum.
    @Test(arguments: [1, 2, 3])
    func rampAcross2To32InRandomSplits(channels: Int) {
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 2, 8, 1024] {
            let start: UInt64 = (1 << 32) - 500
            let ring = SampleRing(
                format: AudioFormat(sampleRate: 8000, channels: channels), capacity: capacity, startingAt: start)
            #expect(ring.writeIndex == start)
            var reader = SampleRing.Reader(ring: ring, cursor: start)
            var written = start
            var bad = 0
            var rounds = 0
            // At least 1500 rounds, and on until the indices are well past 2^32.
            while rounds < 1500 || written < (1 << 32) + 500 {
                rounds += 1
                let room = capacity - Int(written - reader.cursor)
                let count = Int.random(in: 0...min(room, 37), using: &generator)
                write(ring, from: written, count: count)
                written += UInt64(count)
                var buffer = [Int16](repeating: 0, count: Int.random(in: 0...41, using: &generator) * channels)
                let before = reader.cursor
                let result = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0) }
                if result.firstIndex != before || result.lost != 0 { bad += 1 }
                if !check(Array(buffer.prefix(result.count * channels)), first: before, channels: channels) { bad += 1 }
            }
            #expect(bad == 0, "capacity \(capacity)")
            #expect(reader.lost == 0)
            #expect(reader.available == written - reader.cursor)
        }
    }

    @Test func readerTracksItsCursorAndLoss() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 16)
        write(ring, from: 0, count: 4)
        var reader = ring.makeReader()
        #expect(reader.cursor == 4 && reader.available == 0)
        write(ring, from: 4, count: 10)
        #expect(reader.available == 10)
        var buffer = [Int16](repeating: 0, count: 6)
        let first = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0) }
        #expect(first == SampleRing.ReadResult(firstIndex: 4, count: 6, lost: 0))
        #expect(check(buffer, first: 4))
        write(ring, from: 14, count: 10)
        write(ring, from: 24, count: 10)
        // 34 written, cursor 10: lapped; resumes at 18 + min(10, 8) = 26.
        let second = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0) }
        #expect(second == SampleRing.ReadResult(firstIndex: 26, count: 6, lost: 16))
        #expect(check(buffer, first: 26))
        reader.skip(to: 33)
        reader.skip(to: 20)  // never backwards
        #expect(reader.cursor == 33 && reader.lost == 17)
        let third = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0) }
        #expect(third == SampleRing.ReadResult(firstIndex: 33, count: 1, lost: 0))
        #expect(buffer[0] == Self.ramp(33))
    }

    @Test func cursorAtOrBeyondTheLiveEdgeReadsNothing() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 16)
        write(ring, from: 0, count: 4)
        #expect(read(ring, from: 4, frames: 8).0 == SampleRing.ReadResult(firstIndex: 4, count: 0, lost: 0))
        #expect(read(ring, from: 9, frames: 8).0 == SampleRing.ReadResult(firstIndex: 9, count: 0, lost: 0))
        #expect(read(ring, from: 1, frames: 2).0 == SampleRing.ReadResult(firstIndex: 1, count: 2, lost: 0))
    }

    @Test func captureTimesFollowTheLatestWrite() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 2000), capacity: 64)
        write(ring, from: 0, count: 20, captureTime: 1_000_000_000)
        #expect(ring.captureTime(ofIndex: 0) == 1_000_000_000)
        #expect(ring.captureTime(ofIndex: 20) == 1_010_000_000)
        // The device clock ran 1 ms late: the newest write re-anchors every index.
        write(ring, from: 20, count: 20, captureTime: 1_011_000_000)
        #expect(ring.captureTime(ofIndex: 20) == 1_011_000_000)
        #expect(ring.captureTime(ofIndex: 21) == 1_011_500_000)
        #expect(ring.captureTime(ofIndex: 0) == 1_001_000_000)
    }

    @Test func captureTimeDoesNotOverflowAfterMonths() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 48_000), capacity: 64)
        let index: UInt64 = 48_000 * 86_400 * 365  // a year of audio
        #expect(ring.captureTime(ofIndex: index) == 86_400 * 365 * 1_000_000_000)
        #expect(ring.captureTime(ofIndex: index + 1) == 86_400 * 365 * 1_000_000_000 + 20_833)
    }

    @Test func capacityFromSeconds() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), seconds: 30)
        #expect(ring.capacity == 262_144)
        #expect(SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 8).capacity == 8)
    }

    /// What the stress test's threads share.
    private final class Shared: Sendable {
        /// Frames written in total, published once the writer stops (UInt64.max until then).
        let produced = Atomic<UInt64>(.max)
        /// Per reader: frames verified, frames reported lost, wrong frames or indices, final cursor, reads.
        let results = LockedBox<[Int: (verified: UInt64, lost: UInt64, bad: Int, cursor: UInt64)]>([:])
    }

    /// One writer at full speed in blocks of 1...63 frames, two fast readers and a deliberately slow
    /// one (small buffer, a pause after every read) that is lapped over and over. Every frame a reader
    /// returns must be the ramp value of its index, `firstIndex == cursor + lost` on every read, and
    /// each reader's verified + lost frames must equal exactly the range written. The indices start
    /// just below 2^32 and cross it. Run under TSan by scripts/tsan.sh.
    @Test func writerAndThreeReadersStress() async {
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
                for _ in 0..<64 {
                    size = size % 63 + 1
                    for offset in 0..<size { block[offset] = Self.ramp(index + UInt64(offset)) }
                    block.withUnsafeBufferPointer {
                        ring.write(UnsafeBufferPointer(rebasing: $0[0..<size]), captureTime: 0)
                    }
                    index += UInt64(size)
                    writes += 1
                }
                // Now and then leave the CPU to the readers (2 cores, 4 threads).
                if writes % 1024 == 0 { Thread.sleep(forTimeInterval: 0.000_2) }
            }
            // Releasing: readers that see this total also see every frame counted in it.
            shared.produced.store(index, ordering: .releasing)
        }
        let readers: [@Sendable () -> Void] = (0..<3).map { number in
            {
                let slow = number == 2
                var reader = SampleRing.Reader(ring: ring, cursor: start)
                var buffer = [Int16](repeating: 0, count: slow ? 16 : 200 + number * 37)
                var verified: UInt64 = 0
                var bad = 0
                while true {
                    // Acquiring: pairs with the writer's final store.
                    let produced = shared.produced.load(ordering: .acquiring)
                    let before = reader.cursor
                    let result = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0) }
                    if result.firstIndex != before + result.lost { bad += 1 }
                    for offset in 0..<result.count where buffer[offset] != Self.ramp(result.firstIndex + UInt64(offset))
                    {
                        bad += 1
                    }
                    verified += UInt64(result.count)
                    if produced != .max && reader.cursor >= produced { break }
                    if slow {
                        Thread.sleep(forTimeInterval: 0.000_5)
                    } else if result.count == 0 {
                        sched_yield()  // oversubscribed cores: let the writer run
                    }
                }
                let lost = reader.lost
                let cursor = reader.cursor
                shared.results.withLock { $0[number] = (verified, lost, bad, cursor) }
            }
        }
        await runThreads([writer] + readers)
        let produced = shared.produced.load(ordering: .acquiring)
        let results = shared.results.withLock { $0 }
        #expect(results.count == 3)
        #expect(produced > (1 << 32) + 10_000, "the indices crossed 2^32 and the storage wrapped many times")
        for (number, reader) in results.sorted(by: { $0.key < $1.key }) {
            #expect(reader.bad == 0, "reader \(number)")
            #expect(reader.cursor == produced, "reader \(number)")
            #expect(reader.verified + reader.lost == produced - start, "reader \(number): every index read or lost")
            #expect(reader.verified > 0, "reader \(number)")
        }
        #expect((results[2]?.lost ?? 0) > 0, "the slow reader was lapped, so the loss accounting ran")
    }
}
