/// The error code of a SunTech measurement result (byte 20 of the 24-byte result frame).
///
/// SunTech's interface specification lists these codes in decimal (1–4 measurement problems,
/// 85–99 module problems); some integrations misread them as hex, so they are spelled out here.
public enum SunTechErrorCode: UInt8, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case weakSignal = 1
    case erraticSignal = 2
    case outOfRange = 3
    case measurementTimeout = 4
    case pneumaticBlockage = 85
    case terminatedByUser = 86
    case inflateTimeoutOrLooseCuff = 87
    case safetyTimeout = 88
    case cuffOverpressure = 89
    case powerOrHardwareFault = 90
    case permissionProblem = 91
    case transducerOutOfRange = 97
    case calibrationDataFailure = 99

    /// How the room reports the failure to the patient, when one of ``CuffFailure`` fits;
    /// `nil` for module faults a technician must look at.
    public var cuffFailure: CuffFailure? {
        switch self {
        case .weakSignal, .pneumaticBlockage, .inflateTimeoutOrLooseCuff: .cuffLoose
        case .erraticSignal, .measurementTimeout, .safetyTimeout: .motion
        case .cuffOverpressure: .pressureTooHigh
        case .terminatedByUser: .aborted
        case .outOfRange, .powerOrHardwareFault, .permissionProblem, .transducerOutOfRange,
            .calibrationDataFailure:
            nil
        }
    }

    public var description: String {
        switch self {
        case .weakSignal: "weak or no oscillation signal; check the cuff is on the bare arm at heart level"
        case .erraticSignal: "erratic signal (movement or artifact); the patient should sit still and not talk"
        case .outOfRange: "blood pressure outside the module's measuring range; repeat, then use another method"
        case .measurementTimeout: "the measurement took too long; the patient should keep still and try again"
        case .pneumaticBlockage: "pneumatic blockage; check the hose is not kinked or pinched"
        case .terminatedByUser: "the measurement was stopped by an abort command"
        case .inflateTimeoutOrLooseCuff: "inflation timed out: the cuff is loose or the hose leaks; rewrap the cuff"
        case .safetyTimeout: "the module's safety timeout ended the measurement; try again"
        case .cuffOverpressure: "cuff overpressure; the module released the air; check the hose and try again"
        case .powerOrHardwareFault:
            "supply voltage out of range or a hardware fault; a technician must check the module"
        case .permissionProblem:
            "permission problem (safety override or auto-zero out of range); reset the module, then call a technician"
        case .transducerOutOfRange: "pressure transducer out of range; the module needs service"
        case .calibrationDataFailure: "calibration data in EEPROM failed its check; the module needs recalibration"
        }
    }
}
