/// One module-to-host frame: '>' (0x3E), the whole frame's length, data, checksum.
///
/// Only a frame that passed the length and checksum checks can be made, so whoever holds one
/// knows its bytes are what the module sent.
public struct SunTechFrame: Sendable, Equatable, CustomStringConvertible {
    /// The first byte of every module frame.
    public static let startByte: UInt8 = 0x3E
    /// The smallest frame: start, length, checksum.
    public static let minimumLength = 3
    /// The largest frame the module sends (the 67-byte return string).
    public static let maximumLength = 0x43

    /// The whole frame, start byte to checksum.
    public let bytes: [UInt8]

    /// The data between the length byte and the checksum.
    public var payload: ArraySlice<UInt8> { bytes[2..<(bytes.count - 1)] }

    /// Validates one whole frame: start byte, length byte (matching `bytes.count`), checksum.
    public init(bytes: [UInt8]) throws(SunTechError) {
        guard bytes.count >= 2 else { throw .tooShort(bytes.count) }
        guard bytes[0] == Self.startByte else { throw .badStartByte(bytes[0]) }
        let declared = Int(bytes[1])
        guard (Self.minimumLength...Self.maximumLength).contains(declared) else { throw .invalidLength(bytes[1]) }
        guard declared == bytes.count else { throw .lengthMismatch(declared: declared, actual: bytes.count) }
        try SunTechChecksum.verify(bytes)
        self.bytes = bytes
    }

    /// A frame around `payload`, with its length and checksum; for tests and simulators.
    public init(payload: [UInt8]) throws(SunTechError) {
        let length = payload.count + Self.minimumLength
        guard length <= Self.maximumLength else { throw .invalidLength(UInt8(truncatingIfNeeded: length)) }
        let head = [Self.startByte, UInt8(length)] + payload
        try self.init(bytes: head + [SunTechChecksum.value(for: head)])
    }

    public var description: String { SunTechHex.bytes(bytes) }
}
