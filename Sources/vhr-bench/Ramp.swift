import CBenchPeers

/// The test signal every benchmark moves: sample i is `Int16(truncatingIfNeeded: i)`. Any lost,
/// duplicated, reordered or torn sample breaks it, and checking it keeps the compiler from
/// optimizing the copies away.
///
/// Blocks are filled and checked by the C++ harness's own functions, so the Swift rows pay
/// exactly what the peer rows pay for the test signal and the comparison is of the rings alone.
enum Ramp {
    /// Fills `buffer` with the ramp starting at `first`.
    @inline(__always)
    static func fill(_ buffer: UnsafeMutableBufferPointer<Int16>, from first: UInt16) {
        guard let base = buffer.baseAddress else { return }
        vhr_bench_fill(base, Int64(buffer.count), first)
    }

    /// How many samples of `samples` are not the ramp starting at `first`.
    @inline(__always)
    static func mismatches(_ samples: UnsafeBufferPointer<Int16>, from first: UInt16) -> Int {
        guard let base = samples.baseAddress else { return 0 }
        return Int(vhr_bench_verify(base, Int64(samples.count), first))
    }
}
