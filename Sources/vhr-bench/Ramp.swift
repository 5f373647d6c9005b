/// The test signal every benchmark moves: sample i is `Int16(truncatingIfNeeded: i)`. Any lost,
/// duplicated, reordered or torn sample breaks it, and checking it keeps the compiler from
/// optimizing the copies away.
///
/// The Swift rows fill and check blocks with this Swift code, inlined into their loops, exactly as
/// the C++ peers inline `vhrbench::fill`/`vhrbench::verify` (Sources/CBenchPeers/harness.hpp) into
/// theirs: the same arithmetic (both vectorize), and no out-of-line call per block on either side.
/// Earlier versions called the C++ functions from Swift, which cost the Swift rows one call per
/// block that the peers did not pay.
enum Ramp {
    /// Fills `buffer` with the ramp starting at `first`.
    @inline(__always)
    static func fill(_ buffer: UnsafeMutableBufferPointer<Int16>, from first: UInt16) {
        guard let base = buffer.baseAddress else { return }
        for k in 0..<buffer.count {
            base[k] = Int16(bitPattern: first &+ UInt16(truncatingIfNeeded: k))
        }
    }

    /// How many samples of `samples` are not the ramp starting at `first`.
    ///
    /// The fast path only ORs the differences together (it vectorizes to memory speed); counting
    /// runs only after a mismatch, as in the C++ `verify`.
    @inline(__always)
    static func mismatches(_ samples: UnsafeBufferPointer<Int16>, from first: UInt16) -> Int {
        guard let base = samples.baseAddress else { return 0 }
        var differences: UInt16 = 0
        for k in 0..<samples.count {
            differences |= UInt16(bitPattern: base[k]) ^ (first &+ UInt16(truncatingIfNeeded: k))
        }
        if differences == 0 { return 0 }
        var errors = 0
        for k in 0..<samples.count where UInt16(bitPattern: base[k]) != first &+ UInt16(truncatingIfNeeded: k) {
            errors &+= 1
        }
        return errors
    }
}
