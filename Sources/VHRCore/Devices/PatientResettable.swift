/// A device that keeps per-patient state (the simulated cuff's simulated patient) and must
/// forget it when a visit ends, so nothing of one patient carries over to the next.
public protocol PatientResettable: Sendable {
    func resetPatient()
}
