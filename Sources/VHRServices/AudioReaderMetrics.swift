/// One audio listener as the metrics socket reports it.
public struct AudioReaderMetrics: Sendable, Equatable {
    /// The listener's name in logs and events (`stream#3`, `tap#1`).
    public var name: String
    /// How far it is behind the capture: its share of the ring's fill.
    public var lagSamples: UInt64
    /// Samples it lost since it connected (skipped to live, or lapped while copying).
    public var lostSamples: UInt64

    public init(name: String, lagSamples: UInt64, lostSamples: UInt64) {
        self.name = name
        self.lagSamples = lagSamples
        self.lostSamples = lostSamples
    }
}
