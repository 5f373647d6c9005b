/// Where a cuff is in a measurement cycle.
public enum CuffPhase: String, Sendable, Codable, CaseIterable {
    case idle
    case inflating
    case deflating
    /// Releasing the remaining air fast after the last oscillation was measured.
    case exhausting
}

/// One live cuff-pressure report, sent several times a second while measuring.
public struct CuffPressure: Sendable, Equatable, Codable {
    public var phase: CuffPhase
    /// Cuff pressure in mmHg.
    public var pressure: Double
    /// Seconds since the measurement started, by the device's (possibly scaled) timeline.
    public var elapsed: Double

    public init(phase: CuffPhase, pressure: Double, elapsed: Double) {
        self.phase = phase
        self.pressure = pressure
        self.elapsed = elapsed
    }
}

/// Why a measurement did not produce a result, in the terms a cuff reports.
public enum CuffFailure: String, Sendable, Codable, CaseIterable, Error {
    /// The cuff could not build pressure: it is not wrapped snugly, or a hose leaks.
    case cuffLoose = "cuff_loose"
    /// Movement or talking disturbed the oscillations.
    case motion
    /// The pressure needed was above the cuff's safe range.
    case pressureTooHigh = "pressure_too_high"
    /// Someone stopped the measurement.
    case aborted
    /// The device went away during the measurement.
    case disconnected
    /// The device stopped answering.
    case timedOut = "timed_out"

    /// What the patient (through the kiosk) or the clinician should do next.
    public var advice: String {
        switch self {
        case .cuffLoose:
            "The cuff could not hold pressure. Wrap it snugly around the bare upper arm and try again."
        case .motion:
            "Movement disturbed the measurement. Sit still with the arm resting, do not talk, and try again."
        case .pressureTooHigh:
            "The pressure needed was above the cuff's safe range. Rest for five minutes and try again; "
                + "if it happens again, tell the clinician."
        case .aborted:
            "The measurement was stopped and the cuff deflated."
        case .disconnected:
            "The cuff was disconnected during the measurement. Check its cable and try again."
        case .timedOut:
            "The cuff stopped answering. Check its cable and power; a technician can run 'vhrctl devices'."
        }
    }
}

/// What a cuff reports while it works, in order: pressures, then exactly one of a result or
/// a failure per measurement. Real drivers and the simulated cuff produce the same events.
public enum CuffEvent: Sendable, Equatable {
    /// The device is present and answering (after `start`, and again after a replug).
    case connected
    /// The device went away; a running measurement also gets `.failed(.disconnected)` first.
    case disconnected
    case started
    case pressure(CuffPressure)
    case completed(BloodPressureReading)
    case failed(CuffFailure)
}
