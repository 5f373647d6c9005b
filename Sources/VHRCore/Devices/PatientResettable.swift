import Foundation

/// A device that keeps per-patient state (the simulated cuff's simulated patient, a monitor's
/// memory of earlier patients' readings) and must forget it when a visit ends, so nothing of one
/// patient carries over to the next.
public protocol PatientResettable: Sendable {
    /// The visit ended: whatever the device holds now is not the next patient's.
    func resetPatient()
    /// A visit started (or was resumed after a restart) at `date`: readings the device dates
    /// earlier belong to someone else. The default ignores it.
    func visitStarted(at date: Date)
}

extension PatientResettable {
    public func visitStarted(at date: Date) {}
}
