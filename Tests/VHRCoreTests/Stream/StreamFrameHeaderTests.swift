import Testing

@testable import VHRCore

@Suite struct StreamFrameHeaderTests {
    private static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    // Both golden vectors come from Python:
    // struct.Struct('<4sBBHHBBIIIQqII').pack(b'STH1', 1, type, flags, 48, channels, fmt, seq, plen, rate, idx, cap, dropped, 0)
    static let audioHeader = StreamFrameHeader(
        type: .audio, flags: [.discontinuity, .clipped], channels: 1, seq: 0x0102_0304, payloadLength: 320,
        sampleRate: 4000, sampleIndex: 0x1122_3344_5566_7788, captureNanoseconds: -2, dropped: 7)
    static let audioGolden = bytes(
        hex: "5354483101020300300001010403020140010000a00f00008877665544332211feffffffffffffff0700000000000000")

    static let errorHeader = StreamFrameHeader(
        type: .error, flags: .deviceFilterChanged, channels: 2, seq: .max, sampleRate: 48000,
        captureNanoseconds: 1_234_567_890_123)
    static let errorGolden = bytes(
        hex: "535448310106100030000201ffffffff0000000080bb00000000000000000000cb04fb711f0100000000000000000000")

    @Test func encodesTheGoldenBytes() {
        #expect(StreamFrameHeader.size == 48)
        #expect(Self.audioHeader.encoded() == Self.audioGolden)
        #expect(Self.errorHeader.encoded() == Self.errorGolden)
    }

    @Test func fieldsSitAtTheDocumentedOffsets() {
        let bytes = Self.audioGolden
        #expect(Array(bytes[0..<4]) == Array("STH1".utf8))
        #expect(bytes[4] == 1)  // version
        #expect(bytes[5] == 2)  // type AUDIO
        #expect(bytes[6] == 0b11 && bytes[7] == 0)  // flags
        #expect(bytes[8] == 48 && bytes[9] == 0)  // header_len
        #expect(bytes[10] == 1 && bytes[11] == 1)  // channels, format
        #expect(Array(bytes[12..<16]) == [0x04, 0x03, 0x02, 0x01])  // seq
        #expect(Array(bytes[16..<20]) == [0x40, 0x01, 0, 0])  // payload_len 320
        #expect(Array(bytes[20..<24]) == [0xA0, 0x0F, 0, 0])  // rate 4000
        #expect(Array(bytes[24..<32]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        #expect(Array(bytes[32..<40]) == [UInt8](repeating: 0xFF, count: 7).reduce(into: [0xFE]) { $0.append($1) })
        #expect(Array(bytes[40..<48]) == [7, 0, 0, 0, 0, 0, 0, 0])  // dropped, reserved
    }

    @Test func encodesIntoALargerBufferWithoutTouchingTheRest() {
        var buffer = [UInt8](repeating: 0xAA, count: 60)
        buffer.withUnsafeMutableBytes { Self.audioHeader.encode(into: $0) }
        #expect(Array(buffer[0..<48]) == Self.audioGolden)
        #expect(buffer[48...].allSatisfy { $0 == 0xAA })
    }

    @Test func decodesWhatItEncodes() throws {
        for (header, golden) in [(Self.audioHeader, Self.audioGolden), (Self.errorHeader, Self.errorGolden)] {
            let decoded = try golden.withUnsafeBytes { try StreamFrameHeader.decode(from: $0) }
            #expect(decoded.header == header)
            #expect(decoded.headerLength == 48)
        }
    }

    @Test func describesItsAudioFormat() {
        #expect(Self.audioHeader.audioFormat == AudioFormat(sampleRate: 4000, channels: 1))
        #expect(Self.audioHeader.bytesPerFrame == 2)
        #expect(Self.errorHeader.bytesPerFrame == 4)
        var unknown = Self.audioHeader
        unknown.format = 3
        #expect(unknown.audioFormat == nil && unknown.bytesPerFrame == nil)
    }
}
