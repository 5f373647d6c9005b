/// Why bytes from the stream socket are not a valid frame.
///
/// A reader cannot resynchronise safely after any of these, so the connection should be
/// closed; the message says what was seen and what to check.
public enum StreamFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame does not start with `STH1`; the first bytes seen.
    case badMagic([UInt8])
    /// The header's version is not 1.
    case unsupportedVersion(UInt8)
    /// The declared header length is below 48.
    case headerTooShort(Int)
    /// The frame type byte is not one this reader knows.
    case unknownType(UInt8)
    /// The declared payload is over 65536 bytes.
    case payloadTooLarge(Int)
    /// A GAP or KEEPALIVE frame declares a payload.
    case unexpectedPayload(StreamFrameType, Int)
    /// An AUDIO frame's format byte is not S16LE (1).
    case unsupportedFormat(UInt8)
    /// An AUDIO frame declares zero channels.
    case noChannels
    /// An AUDIO payload is not a whole number of sample-frames.
    case partialAudioFrame(length: Int, bytesPerFrame: Int)
    /// A HELLO, EVENT or ERROR payload is not the JSON object its type promises.
    case badJSONPayload(StreamFrameType)
    /// The stream ended inside a frame; the bytes left over.
    case truncatedFrame(Int)

    public var description: String {
        switch self {
        case .badMagic(let bytes):
            let hex = bytes.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
            let text = String(
                decoding: bytes.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
            return "the frame does not start with \"STH1\" (saw \(hex.joined(separator: " ")) \"\(text)\");"
                + " is this the stream socket?"
        case .unsupportedVersion(let version):
            return "the frame header is version \(version) but this reader knows version 1; update the reader"
        case .headerTooShort(let length):
            return "the frame header declares \(length) bytes, less than the 48 of version 1; the stream is corrupt"
        case .unknownType(let type):
            return
                "the frame type \(type) is unknown (1 HELLO … 6 ERROR); the stream is corrupt or newer than this reader"
        case .payloadTooLarge(let length):
            return "the frame declares a \(length)-byte payload, more than the 65536-byte limit; the stream is corrupt"
        case .unexpectedPayload(let type, let length):
            return "a \(type) frame must be empty but declares \(length) payload bytes; the stream is corrupt"
        case .unsupportedFormat(let format):
            return "the AUDIO frame's sample format is \(format), but only 1 (S16LE) is defined; update the reader"
        case .noChannels:
            return "the AUDIO frame declares zero channels; the stream is corrupt"
        case .partialAudioFrame(let length, let bytesPerFrame):
            return "the AUDIO payload is \(length) bytes, not a multiple of the \(bytesPerFrame)-byte sample-frame;"
                + " the stream is corrupt"
        case .badJSONPayload(let type):
            return "the \(type) frame's payload is not the JSON object it should be; the daemon has a bug"
        case .truncatedFrame(let count):
            return "the stream ended \(count) bytes into a frame; the daemon closed the socket mid-frame or crashed"
        }
    }
}
