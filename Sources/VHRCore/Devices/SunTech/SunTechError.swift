/// Why bytes are not a valid SunTech Advantage frame, or not the frame a caller expected.
///
/// Every message names what was seen and what was expected, so a technician holding a
/// capture can tell a wiring fault (garbage, wrong baud rate) from a device answering oddly.
public enum SunTechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the smallest frame (start byte, length, checksum).
    case tooShort(Int)
    /// The first byte is neither ':' (0x3A, host to module) nor '>' (0x3E, module to host).
    case badStartByte(UInt8)
    /// A response's length byte is outside 3...67.
    case invalidLength(UInt8)
    /// A response's length byte disagrees with the number of bytes given.
    case lengthMismatch(declared: Int, actual: Int)
    /// The bytes do not sum to 0 modulo 256; `expected` is the checksum byte that would.
    case badChecksum(expected: UInt8, found: UInt8)
    /// A host frame with a valid checksum whose command bytes this decoder does not know.
    case unknownCommand([UInt8])

    public var description: String {
        switch self {
        case .tooShort(let count):
            return "\(count) bytes is shorter than the smallest SunTech frame (3 bytes: start, length, checksum);"
                + " the capture is cut short"
        case .badStartByte(let byte):
            return "the frame starts with \(SunTechHex.byte(byte)), not ':' (3A, host to module) or '>' (3E,"
                + " module to host); check the capture starts on a frame boundary and the line runs at 9600 baud"
        case .invalidLength(let length):
            return "the length byte is \(length), outside 3...67 bytes a SunTech response can have;"
                + " the frame is corrupt or the line is noisy"
        case .lengthMismatch(let declared, let actual):
            return "the length byte says \(declared) bytes but \(actual) were given;"
                + " the capture is cut short or holds more than one frame"
        case .badChecksum(let expected, let found):
            return "checksum mismatch: expected \(SunTechHex.byte(expected)), found \(SunTechHex.byte(found));"
                + " the frame was corrupted on the line (check cabling, grounding and baud rate)"
        case .unknownCommand(let bytes):
            return "the host command \(SunTechHex.bytes(bytes)) is not one this decoder knows"
                + " (start, abort, get data, initial inflate, pneumatics, reset)"
        }
    }
}

/// Hex spelling shared by the SunTech messages and descriptions: two upper-case digits a byte.
enum SunTechHex {
    static func byte(_ value: UInt8) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    static func bytes(_ values: some Sequence<UInt8>) -> String {
        values.map(byte).joined(separator: " ")
    }
}
