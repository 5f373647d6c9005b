/// SHA-1 (FIPS 180-4 §6.1), in pure Swift.
///
/// vhr needs SHA-1 only to build name-based (version 5) UUIDs, which RFC 9562 defines over it;
/// it is not used for anything that needs collision resistance. The Linux toolchain has no
/// CryptoKit, and VHRCore links no C, so it lives here.
///
/// Feed bytes in any number of `update(_:)` calls, then read the digest with `finalize()`:
///
/// ```swift
/// var hash = SHA1()
/// hash.update(Array("ab".utf8))
/// hash.update(Array("c".utf8))
/// let digest = hash.finalize()  // a9 99 3e 36 ...
/// ```
public struct SHA1: Sendable {
    /// The digest's length in bytes.
    public static let digestByteCount = 20
    /// The block length in bytes.
    public static let blockByteCount = 64

    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
    )
    /// Bytes of the current, not yet full, block.
    private var pending: [UInt8] = []
    /// Every byte fed so far; the padding encodes it in bits, modulo 2^64 as the standard says.
    private var byteCount: UInt64 = 0

    /// Starts an empty hash.
    public init() {
        pending.reserveCapacity(Self.blockByteCount)
    }

    /// Returns the SHA-1 digest of `bytes` (20 bytes).
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var hash = SHA1()
        hash.update(bytes)
        return hash.finalize()
    }

    /// Appends `bytes` to the message.
    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(contiguous: $0) }
        if handled == nil {
            for byte in bytes { append(byte) }
        }
    }

    /// The digest of every byte fed so far (20 bytes).
    ///
    /// The hash itself is left as it was, so more bytes may follow and a later `finalize()` covers
    /// them too.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitCount = byteCount &* 8
        copy.append(0x80)
        while copy.pending.count != Self.blockByteCount - 8 { copy.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { copy.append(UInt8(truncatingIfNeeded: bitCount >> shift)) }
        precondition(copy.pending.isEmpty, "SHA-1 padding must end on a block boundary")
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.digestByteCount)
        for word in [copy.state.0, copy.state.1, copy.state.2, copy.state.3, copy.state.4] {
            for shift in stride(from: 24, through: 0, by: -8) {
                digest.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return digest
    }

    private mutating func update(contiguous bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        // Top up a partial block first, then compress whole blocks straight from the input.
        while index < bytes.count, !pending.isEmpty {
            append(bytes[index])
            index += 1
        }
        while bytes.count - index >= Self.blockByteCount {
            compress(UnsafeBufferPointer(rebasing: bytes[index..<index + Self.blockByteCount]))
            byteCount &+= UInt64(Self.blockByteCount)
            index += Self.blockByteCount
        }
        while index < bytes.count {
            append(bytes[index])
            index += 1
        }
    }

    private mutating func append(_ byte: UInt8) {
        pending.append(byte)
        byteCount &+= 1
        if pending.count == Self.blockByteCount {
            let block = pending
            block.withUnsafeBufferPointer { compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Processes one 64-byte block (FIPS 180-4 §6.1.2).
    private mutating func compress(_ block: UnsafeBufferPointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { schedule in
            for t in 0..<16 {
                schedule[t] =
                    UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8
                    | UInt32(block[4 * t + 3])
            }
            for t in 16..<80 {
                let mixed = schedule[t - 3] ^ schedule[t - 8] ^ schedule[t - 14] ^ schedule[t - 16]
                schedule[t] = mixed.rotatedLeft(by: 1)
            }
            var (a, b, c, d, e) = state
            for t in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch t {
                case 0..<20:
                    f = (b & c) | (~b & d)
                    k = 0x5A82_7999
                case 20..<40:
                    f = b ^ c ^ d
                    k = 0x6ED9_EBA1
                case 40..<60:
                    f = (b & c) | (b & d) | (c & d)
                    k = 0x8F1B_BCDC
                default:
                    f = b ^ c ^ d
                    k = 0xCA62_C1D6
                }
                let temp = a.rotatedLeft(by: 5) &+ f &+ e &+ k &+ schedule[t]
                e = d
                d = c
                c = b.rotatedLeft(by: 30)
                b = a
                a = temp
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
    }
}

extension UInt32 {
    fileprivate func rotatedLeft(by count: UInt32) -> UInt32 {
        (self << count) | (self >> (32 - count))
    }
}
