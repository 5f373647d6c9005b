/// Omron's XOR checksum: the last byte makes the XOR of the covered bytes zero.
public enum OmronChecksum {
    /// The XOR of `bytes`; appended after them it makes their XOR zero.
    public static func xor(_ bytes: some Sequence<UInt8>) -> UInt8 {
        bytes.reduce(0, ^)
    }

    /// Checks that `bytes` (checksum last) XOR to zero; throws naming the expected and found byte.
    public static func verify(_ bytes: some BidirectionalCollection<UInt8>, what: String) throws(OmronError) {
        guard let found = bytes.last else { throw .wrongLength(what: what, expected: "at least 1", actual: 0) }
        let expected = xor(bytes.dropLast())
        guard expected == found else { throw .badChecksum(what: what, expected: expected, found: found) }
    }
}
