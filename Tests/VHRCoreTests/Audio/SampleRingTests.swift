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
        let (result, samples) = read(ring, from: 10, frames: 100)
        #expect(result == SampleRing.ReadResult(firstIndex: 136, count: 64, lost: 126))
        #expect(check(samples, first: 136))
        // Caught up: nothing more, nothing lost.
        let (next, _) = read(ring, from: result.nextCursor, frames: 10)
        #expect(next == SampleRing.ReadResult(firstIndex: 200, count: 0, lost: 0))
    }

    @Test func writeLargerThanCapacityKeepsTheNewest() {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 16)
        write(ring, from: 0, count: 5)
        write(ring, from: 5, count: 40)
        #expect(ring.writeIndex == 45)
        let (result, samples) = read(ring, from: 0, frames: 32)
        #expect(result == SampleRing.ReadResult(firstIndex: 29, count: 16, lost: 29))
        #expect(check(samples, first: 29))
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
        let done = Atomic<Bool>(false)
        /// Per reader: frames verified, frames lost or skipped, wrong frames, final cursor.
        let results = Mutex<[(verified: UInt64, lost: UInt64, bad: Int, cursor: UInt64)]>([])
    }

    /// One writer at full speed, two readers with small buffers: every frame a reader returns
    /// must be the ramp value of its index, and cursors plus losses must account for every index.
    @Test func concurrentWriterAndReadersNeverSeeOverwrittenSamples() async {
        let ring = SampleRing(format: AudioFormat(sampleRate: 8000), capacity: 256)
        let shared = Shared()
        let group = DispatchGroup()
        let deadline = Date().addingTimeInterval(0.5)
        let writer = Thread {
            var index: UInt64 = 0
            var block = [Int16](repeating: 0, count: 64)
            var size = 1
            while Date() < deadline {
                size = size % 63 + 1
                for offset in 0..<size { block[offset] = Self.ramp(index + UInt64(offset)) }
                block.withUnsafeBufferPointer {
                    ring.write(UnsafeBufferPointer(rebasing: $0[0..<size]), captureTime: 0)
                }
                index += UInt64(size)
                // Short pauses leave the CPU to the readers and to other suites' timing tests.
                if size == 63 { Thread.sleep(forTimeInterval: 0.000_05) }
            }
            shared.done.store(true, ordering: .releasing)
        }
        var readers: [Thread] = []
        for readerNumber in 0..<2 {
            group.enter()
            readers.append(
                Thread {
                    var cursor: UInt64 = 0
                    var verified: UInt64 = 0
                    var lost: UInt64 = 0
                    var skipped: UInt64 = 0
                    var reads = 0
                    var bad = 0
                    var buffer = [Int16](repeating: 0, count: 48 + readerNumber * 17)
                    while true {
                        let finished = shared.done.load(ordering: .acquiring)
                        let result = buffer.withUnsafeMutableBufferPointer { ring.read(from: cursor, into: $0) }
                        if result.firstIndex != cursor + result.lost { bad += 1 }
                        for offset in 0..<result.count
                        where buffer[offset] != Self.ramp(result.firstIndex + UInt64(offset)) {
                            bad += 1
                        }
                        verified += UInt64(result.count)
                        lost += result.lost
                        cursor = result.nextCursor
                        // Like the stream server: once lapped, resume half a ring behind the
                        // live edge rather than at the oldest frame, which is overwritten next.
                        if result.lost > 0 {
                            let edge = ring.writeIndex
                            let resume = max(cursor, edge > 128 ? edge - 128 : 0)
                            skipped += resume - cursor
                            cursor = resume
                        }
                        if finished && result.count == 0 { break }
                        // Idle when caught up, and now and then fall behind on purpose to be lapped.
                        reads += 1
                        if result.count == 0 || reads % (50 + readerNumber * 13) == 0 {
                            Thread.sleep(forTimeInterval: 0.000_1)
                        }
                    }
                    shared.results.withLock { $0.append((verified, lost + skipped, bad, cursor)) }
                    group.leave()
                })
        }
        writer.start()
        readers.forEach { $0.start() }
        await withCheckedContinuation { continuation in
            group.notify(queue: .global()) { continuation.resume() }
        }
        let total = ring.writeIndex
        let all = shared.results.withLock { $0 }
        #expect(all.count == 2)
        for reader in all {
            #expect(reader.bad == 0)
            #expect(reader.cursor == total)
            #expect(reader.verified + reader.lost == total, "every index is either read or reported lost")
            #expect(reader.verified > 1000)
        }
        #expect(all.contains { $0.lost > 0 }, "the readers were lapped, so the seqlock path ran")
    }
}
