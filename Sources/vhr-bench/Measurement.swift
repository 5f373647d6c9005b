/// One configuration's run in one round, with the placement it ran in.
struct Measurement: Sendable {
    var configuration: Configuration
    var round: Int
    var result: RunResult
    var regime: PlacementRegime
    /// The ping-pong round trips before and after the run, nanoseconds.
    var roundTrips: (before: Double, after: Double)
}
