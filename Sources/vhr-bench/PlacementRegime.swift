import CBenchPeers

/// The vCPU placement a two-thread run saw, from a 10 ms cache-line ping-pong before and after it.
///
/// On a shared VM the host moves the two vCPUs between placements whose cross-core cost differs
/// 4–9x (ringbuffer.md §2): A ≈ 58 ns round trip (shared cache), B ≈ 131 ns, C ≈ 500 ns. A round
/// trip of microseconds means a vCPU was descheduled during the probe: the machine is busy.
enum PlacementRegime: String, Sendable, CaseIterable {
    case a = "A"
    case b = "B"
    case c = "C"
    /// The probe saw multi-microsecond round trips: another process had a vCPU.
    case busy = "busy"
    /// Before and after disagreed: the placement changed during the run.
    case mixed = "mixed"

    init(roundTripNanoseconds: Double) {
        switch roundTripNanoseconds {
        case ..<90: self = .a
        case ..<300: self = .b
        case ..<2000: self = .c
        default: self = .busy
        }
    }

    /// Whether two runs in this regime may be compared as a pair.
    var isStable: Bool { self != .mixed && self != .busy }

    /// Probes the placement between `cpus`: the median round trip, nanoseconds.
    static func probe(cpus: (Int, Int), durationNanoseconds: Int64) -> Double {
        vhr_bench_pingpong_ns(Int32(cpus.0), Int32(cpus.1), durationNanoseconds)
    }
}
