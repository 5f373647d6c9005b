/// The SunTech checksum: the byte that makes the whole frame sum to 0 modulo 256.
public enum SunTechChecksum {
    /// The checksum byte to append after `bytes`.
    public static func value(for bytes: some Sequence<UInt8>) -> UInt8 {
        0 &- bytes.reduce(0, &+)
    }

    /// Checks a whole frame (checksum last); throws naming the expected and found checksum.
    public static func verify(_ frame: some BidirectionalCollection<UInt8>) throws(SunTechError) {
        guard let found = frame.last else { throw .tooShort(0) }
        let expected = value(for: frame.dropLast())
        guard expected == found else { throw .badChecksum(expected: expected, found: found) }
    }
}
