/// Builds MDER bytes, big-endian, with length prefixes filled in after their content.
public struct MDERWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    public mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// An OCTET STRING: u16 length then the bytes.
    public mutating func octetString(_ value: [UInt8]) {
        u16(UInt16(clamping: value.count))
        bytes.append(contentsOf: value)
    }

    /// A u16 length followed by whatever `body` writes.
    public mutating func lengthPrefixed(_ body: (inout MDERWriter) -> Void) {
        var inner = MDERWriter()
        body(&inner)
        octetString(inner.bytes)
    }

    /// A SEQUENCE OF: u16 count, u16 byte length, the elements.
    public mutating func sequence<Element>(_ elements: [Element], _ write: (inout MDERWriter, Element) -> Void) {
        var inner = MDERWriter()
        for element in elements { write(&inner, element) }
        u16(UInt16(clamping: elements.count))
        octetString(inner.bytes)
    }
}
