import Foundation
import Testing

@testable import VHRCore

@Suite struct StreamFrameDecoderTests {
    static let hello = StreamHello(
        streamID: UUID(uuidString: "6F1C9A52-0B1E-4C0B-9C53-3C1B8F6C2D11")!, rate: 4000, channels: 1,
        frameMilliseconds: 20, device: "stethoscope", model: "Simulated stethoscope", filter: "bell", startIndex: 0,
        clock: .init(monotonicNs: 5_000_000_000, realtimeNs: 1_760_000_000_000_000_000))

    /// A realistic connection: HELLO, audio, a gap, audio flagged as discontinuous, an event,
    /// a keepalive and a closing ERROR.
    static let frames: [StreamFrame] = {
        func header(
            _ type: StreamFrameType, seq: UInt32, index: UInt64, flags: StreamFrameFlags = [], dropped: UInt32 = 0
        )
            -> StreamFrameHeader
        {
            StreamFrameHeader(
                type: type, flags: flags, seq: seq, sampleRate: 4000, sampleIndex: index,
                captureNanoseconds: 5_000_000_000 + Int64(index) * 250_000, dropped: dropped)
        }
        func audio(from index: UInt64, count: Int) -> [UInt8] {
            (0..<count).flatMap { offset -> [UInt8] in
                let sample = UInt16(truncatingIfNeeded: Int(index) + offset)
                return [UInt8(sample & 0xFF), UInt8(sample >> 8)]
            }
        }
        return [
            StreamFrame(header: header(.hello, seq: 0, index: 0), json: hello.jsonValue),
            StreamFrame(header: header(.audio, seq: 1, index: 0), payload: audio(from: 0, count: 80)),
            StreamFrame(header: header(.gap, seq: 2, index: 80, flags: .discontinuity, dropped: 160)),
            StreamFrame(
                header: header(.audio, seq: 3, index: 240, flags: [.discontinuity, .clipped], dropped: 160),
                payload: audio(from: 240, count: 80)),
            StreamFrame(
                header: header(.event, seq: 4, index: 320),
                json: ["event": "xrun", "client": "bridge", "dropped": 160]),
            StreamFrame(header: header(.keepalive, seq: 5, index: 320)),
            StreamFrame(
                header: header(.error, seq: 6, index: 320),
                json: RemoteError(code: "shutting_down", message: "the daemon is stopping").jsonValue),
        ]
    }()

    private func decodeAll(_ chunks: [ArraySlice<UInt8>]) throws(StreamFrameError) -> [StreamFrame] {
        var decoder = StreamFrameDecoder()
        var frames: [StreamFrame] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let frame = try decoder.next() { frames.append(frame) }
        }
        try decoder.finish()
        return frames
    }

    @Test func decodesEveryFeed() throws {
        let bytes = Self.frames.flatMap { $0.encoded() }
        for chunks in ChunkedFeeds.all(bytes) {
            #expect(try decodeAll(chunks) == Self.frames, "chunks: \(chunks.map(\.count))")
        }
    }

    @Test func decodedFramesReadBack() throws {
        let frames = try decodeAll([Self.frames.flatMap { $0.encoded() }[...]])
        #expect(try frames[0].hello() == Self.hello)
        #expect(frames[1].samples == (0..<80).map { Int16($0) })
        #expect(frames[2].header.dropped == 160 && frames[2].payload.isEmpty)
        #expect(frames[3].samples.first == 240)
        #expect(try frames[4].event() == ControlEvent(name: "xrun", fields: ["client": "bridge", "dropped": 160]))
        #expect(try frames[6].error().code == "shutting_down")
        #expect(frames.map(\.header.seq) == Array(0..<7))
    }

    @Test func skipsExtraHeaderBytes() throws {
        let frame = Self.frames[1]
        var bytes = frame.encoded()
        bytes[8] = 56  // header_len: a future header with 8 more bytes
        bytes.insert(contentsOf: [UInt8](repeating: 0xEE, count: 8), at: 48)
        let stream = bytes + Self.frames[5].encoded()
        for chunks in ChunkedFeeds.all(stream) {
            #expect(try decodeAll(chunks) == [frame, Self.frames[5]])
        }
    }

    @Test func checksTheMagicAsSoonAsFourBytesArrive() {
        var decoder = StreamFrameDecoder()
        decoder.append(Array("{\"ev".utf8))
        #expect(throws: StreamFrameError.badMagic(Array("{\"ev".utf8))) { try decoder.next() }
        // The error is final: later bytes do not revive the stream.
        decoder.append(Self.frames[0].encoded())
        #expect(throws: StreamFrameError.badMagic(Array("{\"ev".utf8))) { try decoder.next() }
        #expect(throws: StreamFrameError.badMagic(Array("{\"ev".utf8))) { try decoder.finish() }
    }

    @Test func waitsForBytesBeforeDeciding() throws {
        var decoder = StreamFrameDecoder()
        decoder.append(Array("STH".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 3)
        #expect(throws: StreamFrameError.truncatedFrame(3)) { try decoder.finish() }
    }

    /// A valid AUDIO frame's bytes with `edit` applied to them.
    private func corrupted(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = Self.frames[1].encoded()
        edit(&bytes)
        return bytes
    }

    private static func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    @Test func rejectsEveryBadHeader() {
        let cases: [([UInt8], StreamFrameError)] = [
            (corrupted { $0[3] = UInt8(ascii: "2") }, .badMagic(Array("STH2".utf8))),
            (corrupted { $0[4] = 2 }, .unsupportedVersion(2)),
            (corrupted { $0[8] = 40 }, .headerTooShort(40)),
            (corrupted { $0[5] = 0 }, .unknownType(0)),
            (corrupted { $0[5] = 7 }, .unknownType(7)),
            (corrupted { $0.replaceSubrange(16..<20, with: Self.le32(65538)) }, .payloadTooLarge(65538)),
            (corrupted { $0.replaceSubrange(16..<20, with: Self.le32(.max)) }, .payloadTooLarge(Int(UInt32.max))),
            (corrupted { $0[5] = StreamFrameType.gap.rawValue }, .unexpectedPayload(.gap, 160)),
            (corrupted { $0[5] = StreamFrameType.keepalive.rawValue }, .unexpectedPayload(.keepalive, 160)),
            (corrupted { $0[11] = 2 }, .unsupportedFormat(2)),
            (corrupted { $0[10] = 0 }, .noChannels),
            (corrupted { $0[10] = 3 }, .partialAudioFrame(length: 160, bytesPerFrame: 6)),
            (corrupted { $0[16] = 159 }, .partialAudioFrame(length: 159, bytesPerFrame: 2)),
        ]
        for (bytes, expected) in cases {
            for chunks in ChunkedFeeds.all(bytes, randomCount: 5) {
                #expect(throws: expected) { try decodeAll(chunks) }
            }
        }
    }

    @Test func acceptsTheLargestPayload() throws {
        let payload = [UInt8](repeating: 0x7F, count: StreamFrameHeader.maxPayloadLength)
        let frame = StreamFrame(header: StreamFrameHeader(type: .audio, seq: 9, sampleRate: 8000), payload: payload)
        #expect(try decodeAll([frame.encoded()[...]]) == [frame])
    }

    @Test func nonAudioFramesIgnoreTheAudioLayout() throws {
        let frame = StreamFrame(
            header: StreamFrameHeader(type: .error, channels: 0, format: 0, seq: 0, sampleRate: 0),
            json: RemoteError(code: "forbidden", message: "this client may not listen now").jsonValue)
        #expect(try decodeAll([frame.encoded()[...]]) == [frame])
    }
}
