/// Why bytes are not a valid Omron HEM-7xxx report, command, reply or stored record.
public enum OmronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A HID report's count byte is not 1...7, or the report holds fewer bytes than it declares.
    case badReport(index: Int, count: UInt8, available: Int)
    /// A message, command or record is not the length its kind needs.
    case wrongLength(what: String, expected: String, actual: Int)
    /// An XOR checksum does not match; `expected` is the byte that would make it match.
    case badChecksum(what: String, expected: UInt8, found: UInt8)
    /// The bytes are not a command or reply of the HEM-790IT family.
    case unrecognized([UInt8])
    /// A stored record's field is outside its range (month 13, minute 61, …).
    case fieldOutOfRange(field: String, value: Int, range: ClosedRange<Int>)

    public var description: String {
        switch self {
        case .badReport(let index, let count, let available):
            return "HID report \(index + 1) declares \(count) data bytes but "
                + (count == 0 || count > 7
                    ? "an Omron report carries 1 to 7; this is not an Omron report stream"
                    : "only \(available) follow; the capture is cut short")
        case .wrongLength(let what, let expected, let actual):
            return "\(what) is \(actual) bytes, expected \(expected); the capture is cut short or mislabelled"
        case .badChecksum(let what, let expected, let found):
            return "\(what): checksum mismatch: expected \(OmronHex.byte(expected)), found \(OmronHex.byte(found));"
                + " the transfer was corrupted, ask the device again"
        case .unrecognized(let bytes):
            return "\(OmronHex.bytes(bytes.prefix(16))) is not an Omron command or reply this decoder knows"
                + " (VER, PRF, SRL, GDC, GME, GMA, GEA, END; OK, NO, OFF)"
        case .fieldOutOfRange(let field, let value, let range):
            return "the stored record's \(field) is \(value), outside \(range.lowerBound)...\(range.upperBound);"
                + " the record is corrupt or the layout is for another model"
        }
    }
}

/// Hex spelling for Omron messages: two upper-case digits a byte.
enum OmronHex {
    static func byte(_ value: UInt8) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    static func bytes(_ values: some Sequence<UInt8>) -> String {
        values.map(byte).joined(separator: " ")
    }
}
