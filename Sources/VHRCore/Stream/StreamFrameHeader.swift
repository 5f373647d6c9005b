// The 48-byte little-endian header that starts every frame on the stream socket
// (docs/stream-protocol.md). The layout matches Python's struct '<4sBBHHBBIIIQqII':
//
//   0 magic "STH1"   4 version u8   5 type u8     6 flags u16     8 header_len u16
//  10 channels u8   11 format u8   12 seq u32    16 payload_len u32  20 sample_rate u32
//  24 sample_index u64   32 capture_ns i64   40 dropped u32   44 reserved u32
//
// `encode(into:)` runs on the streamer thread once per frame, so it only stores integers
// into memory the caller owns: no allocation, no Foundation.

/// The fixed header of one stream frame.
public struct StreamFrameHeader: Sendable, Equatable {
    /// The header's size as this version writes it. Readers accept longer headers and skip
    /// the extra bytes, so later versions can grow it.
    public static let size = 48
    /// `'S','T','H','1'`.
    public static let magic: [UInt8] = Array("STH1".utf8)
    public static let version: UInt8 = 1
    /// The largest payload a frame may carry, in bytes.
    public static let maxPayloadLength = 65536
    /// The `format` byte for interleaved signed 16-bit little-endian samples.
    public static let formatS16LE: UInt8 = 1

    /// `magic` as the little-endian `u32` stored at offset 0.
    private static let magicWord: UInt32 = 0x3148_5453

    public var type: StreamFrameType
    public var flags: StreamFrameFlags
    /// Interleaved channels in AUDIO payloads.
    public var channels: UInt8
    /// Sample format of AUDIO payloads; ``formatS16LE`` is the only one defined.
    public var format: UInt8
    /// Per-connection counter over every frame type; a jump means a frame was lost.
    public var seq: UInt32
    /// Payload bytes following the header.
    public var payloadLength: UInt32
    /// Hz.
    public var sampleRate: UInt32
    /// The index, since the stream began, of the first sample-frame in this frame (the media
    /// clock). For a GAP, the first missing one; otherwise the next one to come.
    public var sampleIndex: UInt64
    /// CLOCK_MONOTONIC nanoseconds at which the first sample was captured.
    public var captureNanoseconds: Int64
    /// Sample-frames skipped for this client immediately before this frame.
    public var dropped: UInt32

    public init(
        type: StreamFrameType, flags: StreamFrameFlags = [], channels: UInt8 = 1, format: UInt8 = formatS16LE,
        seq: UInt32, payloadLength: UInt32 = 0, sampleRate: UInt32, sampleIndex: UInt64 = 0,
        captureNanoseconds: Int64 = 0, dropped: UInt32 = 0
    ) {
        self.type = type
        self.flags = flags
        self.channels = channels
        self.format = format
        self.seq = seq
        self.payloadLength = payloadLength
        self.sampleRate = sampleRate
        self.sampleIndex = sampleIndex
        self.captureNanoseconds = captureNanoseconds
        self.dropped = dropped
    }

    /// Bytes per interleaved sample-frame of an AUDIO payload, or `nil` for an unknown format.
    public var bytesPerFrame: Int? {
        format == Self.formatS16LE ? 2 * Int(channels) : nil
    }

    /// The audio format this header describes, when it is one ``AudioFormat`` can hold.
    public var audioFormat: AudioFormat? {
        guard format == Self.formatS16LE, channels > 0, sampleRate > 0 else { return nil }
        return AudioFormat(sampleRate: Int(sampleRate), channels: Int(channels))
    }

    /// Writes the 48 header bytes at the start of `buffer`. Does not allocate.
    /// - Precondition: `buffer.count >= 48` and `payloadLength <= 65536`.
    public func encode(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size, "a stream frame header needs 48 bytes")
        precondition(payloadLength <= Self.maxPayloadLength, "a stream frame payload is at most 65536 bytes")
        buffer.storeBytes(of: Self.magicWord.littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: Self.version, toByteOffset: 4, as: UInt8.self)
        buffer.storeBytes(of: type.rawValue, toByteOffset: 5, as: UInt8.self)
        buffer.storeBytes(of: flags.rawValue.littleEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: UInt16(Self.size).littleEndian, toByteOffset: 8, as: UInt16.self)
        buffer.storeBytes(of: channels, toByteOffset: 10, as: UInt8.self)
        buffer.storeBytes(of: format, toByteOffset: 11, as: UInt8.self)
        buffer.storeBytes(of: seq.littleEndian, toByteOffset: 12, as: UInt32.self)
        buffer.storeBytes(of: payloadLength.littleEndian, toByteOffset: 16, as: UInt32.self)
        buffer.storeBytes(of: sampleRate.littleEndian, toByteOffset: 20, as: UInt32.self)
        buffer.storeBytes(of: sampleIndex.littleEndian, toByteOffset: 24, as: UInt64.self)
        buffer.storeBytes(of: captureNanoseconds.littleEndian, toByteOffset: 32, as: Int64.self)
        buffer.storeBytes(of: dropped.littleEndian, toByteOffset: 40, as: UInt32.self)
        buffer.storeBytes(of: UInt32(0), toByteOffset: 44, as: UInt32.self)
    }

    /// The 48 header bytes in a new array; for tests and for the rare non-audio frame.
    public func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.withUnsafeMutableBytes { encode(into: $0) }
        return bytes
    }

    /// Reads and checks a header.
    /// - Parameter bytes: at least 48 bytes, starting with the magic.
    /// - Returns: the header and the header length the frame declares (48 or more); the
    ///   payload starts that many bytes after the magic.
    /// - Throws: ``StreamFrameError`` for a header this reader must not trust.
    public static func decode(
        from bytes: UnsafeRawBufferPointer
    ) throws(StreamFrameError) -> (header: StreamFrameHeader, headerLength: Int) {
        precondition(bytes.count >= size, "decoding a stream frame header needs 48 bytes")
        guard bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == magicWord.littleEndian else {
            throw .badMagic(Array(bytes.prefix(4)))
        }
        let version = bytes.load(fromByteOffset: 4, as: UInt8.self)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let headerLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        guard headerLength >= size else { throw .headerTooShort(headerLength) }
        let rawType = bytes.load(fromByteOffset: 5, as: UInt8.self)
        guard let type = StreamFrameType(rawValue: rawType) else { throw .unknownType(rawType) }
        let header = StreamFrameHeader(
            type: type,
            flags: StreamFrameFlags(
                rawValue: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self))),
            channels: bytes.load(fromByteOffset: 10, as: UInt8.self),
            format: bytes.load(fromByteOffset: 11, as: UInt8.self),
            seq: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)),
            payloadLength: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
            sampleRate: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: UInt32.self)),
            sampleIndex: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
            captureNanoseconds: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: Int64.self)),
            dropped: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 40, as: UInt32.self)))
        try header.validatePayload()
        return (header, headerLength)
    }

    /// Checks that the payload length fits the frame type and format.
    private func validatePayload() throws(StreamFrameError) {
        let length = Int(payloadLength)
        guard length <= Self.maxPayloadLength else { throw .payloadTooLarge(length) }
        if type.isEmpty && length != 0 { throw .unexpectedPayload(type, length) }
        guard type == .audio else { return }
        guard let bytesPerFrame else { throw .unsupportedFormat(format) }
        guard bytesPerFrame > 0 else { throw .noChannels }
        guard length % bytesPerFrame == 0 else {
            throw .partialAudioFrame(length: length, bytesPerFrame: bytesPerFrame)
        }
    }
}
