/// A bounds-checked big-endian reader over MDER bytes (IEEE 11073-20601 Annex F).
///
/// A reader covers one element: reading past its end throws a truncation error naming the field, and
/// `nested` hands out a reader limited to a length-prefixed child, so every length field is checked
/// against what its parent still holds. Offsets in errors count from the start of the APDU.
public struct MDERReader: Sendable {
    private let bytes: [UInt8]
    /// Absolute offset of the next byte.
    public private(set) var offset: Int
    /// Absolute offset one past the last byte this reader may read.
    public let end: Int
    /// The element this reader covers, used as the prefix of field names in errors.
    public let path: String

    /// A reader over all of `bytes`.
    public init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
        self.path = path
    }

    private init(bytes: [UInt8], offset: Int, end: Int, path: String) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
        self.path = path
    }

    /// Bytes not yet read.
    public var remaining: Int { end - offset }

    /// The name of `field` inside this element.
    public func name(_ field: String) -> String { path + "." + field }

    /// An error about `field` at the current offset.
    public func error(_ field: String, _ kind: IEEE11073Error.Kind, at offset: Int? = nil) -> IEEE11073Error {
        IEEE11073Error(field: name(field), offset: offset ?? self.offset, kind: kind)
    }

    private mutating func take(_ count: Int, _ field: String) throws(IEEE11073Error) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw error(field, .truncated(needed: count, available: remaining))
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func u8(_ field: String) throws(IEEE11073Error) -> UInt8 {
        try take(1, field).first!
    }

    public mutating func u16(_ field: String) throws(IEEE11073Error) -> UInt16 {
        let slice = try take(2, field)
        return UInt16(slice[slice.startIndex]) << 8 | UInt16(slice[slice.startIndex + 1])
    }

    public mutating func u32(_ field: String) throws(IEEE11073Error) -> UInt32 {
        let slice = try take(4, field)
        return slice.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// `count` raw bytes.
    public mutating func bytes(_ count: Int, _ field: String) throws(IEEE11073Error) -> [UInt8] {
        Array(try take(count, field))
    }

    /// The rest of this element.
    public mutating func rest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// An OCTET STRING: a u16 length then that many bytes.
    public mutating func octetString(_ field: String) throws(IEEE11073Error) -> [UInt8] {
        let length = try u16(field + ".length")
        return try bytes(Int(length), field)
    }

    /// A reader limited to the `length` bytes that follow, which this reader skips.
    public mutating func nested(length: Int, _ field: String) throws(IEEE11073Error) -> MDERReader {
        guard length <= remaining else {
            throw error(field, .truncated(needed: length, available: remaining))
        }
        defer { offset += length }
        return MDERReader(bytes: bytes, offset: offset, end: offset + length, path: name(field))
    }

    /// A reader over a u16-length-prefixed element (an OCTET STRING decoded in place).
    public mutating func lengthPrefixed(_ field: String) throws(IEEE11073Error) -> MDERReader {
        let length = try u16(field + ".length")
        return try nested(length: Int(length), field)
    }

    /// Fails unless every byte of this element was consumed.
    public func finish() throws(IEEE11073Error) {
        guard remaining == 0 else {
            throw IEEE11073Error(field: path, offset: offset, kind: .trailingBytes(count: remaining))
        }
    }

    /// Reads a SEQUENCE OF: u16 count, u16 byte length, then `count` elements that must span exactly that
    /// length.
    public mutating func sequence<Element>(
        _ field: String, element: (inout MDERReader) throws(IEEE11073Error) -> Element
    ) throws(IEEE11073Error) -> [Element] {
        let count = try u16(field + ".count")
        let length = try u16(field + ".length")
        var list = try nested(length: Int(length), field)
        let start = list.offset
        var elements: [Element] = []
        // Each element takes at least one byte, so a count larger than the length is caught below
        // without reserving memory for it.
        elements.reserveCapacity(min(Int(count), Int(length)))
        for _ in 0..<count {
            guard list.remaining > 0 else {
                throw list.error(
                    "count", .lengthMismatch(declared: Int(length), actual: list.offset - start), at: start)
            }
            elements.append(try element(&list))
        }
        guard list.remaining == 0 else {
            throw IEEE11073Error(
                field: list.path + ".length", offset: start - 2,
                kind: .lengthMismatch(declared: Int(length), actual: list.offset - start))
        }
        return elements
    }
}
