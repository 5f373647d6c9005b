import Testing

@testable import VHRCore

@Suite struct SunTechFrameDecoderTests {
    /// The valid module frames of the vector file.
    static let frames: [SunTechFrame] = SunTechVector.all.compactMap {
        $0.direction == "module->host" ? try? SunTechFrame(bytes: $0.bytes) : nil
    }

    /// Feeds `chunks`, collecting frames after each, then drains at end of input.
    static func run(_ chunks: [ArraySlice<UInt8>], decoder: inout SunTechFrameDecoder) -> [SunTechFrame] {
        var buffer: [UInt8] = []
        var frames: [SunTechFrame] = []
        for chunk in chunks {
            buffer += chunk
            while let frame = decoder.decode(buffer: &buffer) { frames.append(frame) }
        }
        while let frame = decoder.decodeLast(buffer: &buffer) { frames.append(frame) }
        #expect(buffer.isEmpty)
        return frames
    }

    @Test func vectorsHoldThreeValidFrames() {
        #expect(Self.frames.count == 3)
    }

    @Test func decodesEveryFeed() {
        let stream = (Self.frames + Self.frames.reversed()).flatMap(\.bytes)
        for chunks in ChunkedFeeds.all(stream) {
            var decoder = SunTechFrameDecoder()
            #expect(Self.run(chunks, decoder: &decoder) == Self.frames + Self.frames.reversed())
            #expect(decoder.discardedByteCount == 0)
        }
    }

    @Test func everyPrefixNeedsMore() {
        for frame in Self.frames {
            for count in 0..<frame.bytes.count {
                var decoder = SunTechFrameDecoder()
                var buffer = Array(frame.bytes.prefix(count))
                #expect(decoder.decode(buffer: &buffer) == nil)
                #expect(buffer == Array(frame.bytes.prefix(count)), "a prefix must stay buffered")
                #expect(decoder.discardedByteCount == 0)
                // The rest arrives: exactly the frame.
                buffer += frame.bytes.dropFirst(count)
                #expect(decoder.decode(buffer: &buffer) == frame)
                #expect(buffer.isEmpty)
            }
        }
    }

    /// Garbage a noisy line produces, including false starts: '>' with impossible lengths, with a
    /// long length that runs into the next frame, and a whole frame with a bad checksum.
    static let garbage: [[UInt8]] = [
        [0x00, 0xFF, 0x12],
        [0x3E],
        [0x3E, 0x00, 0x02, 0x01, 0xBA],
        [0x3E, 0x05, 0x02, 0x01, 0xB1],
        [0x3E, 0x40, 0x01, 0x02],
        [0x3E, 0xFF, 0x3E, 0x02],
        [0x3A, 0x20, 0xA6],
        [0x4B, 0x73, 0x04],
    ]

    @Test func eachGarbageAloneYieldsNothing() {
        for junk in Self.garbage {
            var decoder = SunTechFrameDecoder()
            #expect(Self.run([junk[...]], decoder: &decoder).isEmpty)
            #expect(decoder.discardedByteCount == junk.count)
        }
    }

    @Test func resynchronisesAfterGarbageAndLosesNoFrame() {
        var stream: [UInt8] = []
        var expected: [SunTechFrame] = []
        for (index, junk) in Self.garbage.enumerated() {
            stream += junk
            let frame = Self.frames[index % Self.frames.count]
            stream += frame.bytes
            expected.append(frame)
        }
        stream += [0x3E, 0x18, 0x73]  // a truncated frame at the very end
        let garbageCount = Self.garbage.map(\.count).reduce(0, +) + 3
        for chunks in ChunkedFeeds.all(stream) {
            var decoder = SunTechFrameDecoder()
            #expect(Self.run(chunks, decoder: &decoder) == expected)
            #expect(decoder.discardedByteCount == garbageCount)
        }
    }

    @Test func idleLineReleasesAReplyHeldBehindAFalseStart() throws {
        let reply = try SunTechFrame(bytes: [0x3E, 0x04, 0x4B, 0x73])
        var decoder = SunTechFrameDecoder()
        var buffer: [UInt8] = [0x3E, 0x10] + reply.bytes
        #expect(decoder.decode(buffer: &buffer) == nil, "waits for the 16 bytes the false start declares")
        #expect(decoder.decodeLast(buffer: &buffer) == reply)
        #expect(buffer.isEmpty)
        #expect(decoder.discardedByteCount == 2)
    }

    @Test func remembersWhyItDroppedACandidate() {
        var decoder = SunTechFrameDecoder()
        var buffer: [UInt8] = [0x3E, 0x05, 0x02, 0x01, 0xB1]
        #expect(decoder.decode(buffer: &buffer) == nil)
        #expect(decoder.lastDiscardReason == .badChecksum(expected: 0xBA, found: 0xB1))
        buffer = [0x3E, 0x00]
        #expect(decoder.decode(buffer: &buffer) == nil)
        #expect(decoder.lastDiscardReason == .invalidLength(0))
    }

    @Test func randomByteFlipsNeverCrashAndAccountForEveryByte() {
        var random = SeededRandom(seed: 0x5A17EC)
        let clean = Self.frames.flatMap(\.bytes) + Self.frames.flatMap(\.bytes)
        for _ in 0..<400 {
            var stream = clean
            for _ in 0...Int.random(in: 0...3, using: &random) {
                stream[Int.random(in: 0..<stream.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let chunks = ChunkedFeeds.all(stream, randomCount: 1, seed: random.next())[2]
            var decoder = SunTechFrameDecoder()
            let frames = Self.run(chunks, decoder: &decoder)
            // Every byte is either in a returned frame or counted as dropped.
            #expect(frames.map(\.bytes.count).reduce(0, +) + decoder.discardedByteCount == stream.count)
            for frame in frames { #expect((try? SunTechFrame(bytes: frame.bytes)) == frame) }
            _ = try? SunTechCapture(bytes: stream)
        }
    }
}
