/// Why an IEEE 11073-20601 message was rejected: which field, at which byte offset of the APDU, and what
/// was expected there against what was found.
///
/// Decoders never return a half-decoded message: the first inconsistency ends decoding with one of these.
public struct IEEE11073Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The field needs `needed` bytes but only `available` remain in its enclosing element.
        case truncated(needed: Int, available: Int)
        /// A length or count field disagrees with the bytes its content actually spans.
        case lengthMismatch(declared: Int, actual: Int)
        /// Bytes are left over after the element's declared content.
        case trailingBytes(count: Int)
        /// A CHOICE tag this manager does not know.
        case unknownChoice(UInt16)
        /// A value outside what the standard allows for this field.
        case invalidValue(expected: String, found: String)
        /// An observation names a handle the configuration does not have.
        case unknownHandle(UInt16)
    }

    /// The field being decoded, as a dotted path (`PRST.DataApdu.EventReportArgument.event-info`).
    public var field: String
    /// Byte offset of the field from the start of the APDU.
    public var offset: Int
    public var kind: Kind

    public init(field: String, offset: Int, kind: Kind) {
        self.field = field
        self.offset = offset
        self.kind = kind
    }

    /// True when the bytes simply stop early: more may still arrive from the transport.
    public var isTruncation: Bool {
        if case .truncated = kind { return true }
        return false
    }

    public var description: String {
        let what =
            switch kind {
            case .truncated(let needed, let available):
                "truncated: expected \(needed) bytes, found \(available)"
            case .lengthMismatch(let declared, let actual):
                "length mismatch: expected \(declared) bytes as declared, found \(actual)"
            case .trailingBytes(let count):
                "expected the element to end, found \(count) trailing bytes"
            case .unknownChoice(let tag):
                "unknown choice 0x\(Hex.word(tag))"
            case .invalidValue(let expected, let found):
                "expected \(expected), found \(found)"
            case .unknownHandle(let handle):
                "handle \(handle) is not in the configuration (pass the device's configuration report)"
            }
        return "\(field) at offset \(offset): \(what)"
    }
}
