import Foundation

/// A patient's visit to the room, from the kiosk's "start" to its "end".
///
/// The patient identifier travels with the visit so that measurements can reach the
/// patient's record; it is never logged and never shown to anyone but the kiosk.
public struct Visit: Sendable, Equatable {
    /// The kiosk's identifier for the visit (booking or session number): not personal data.
    public var id: String
    /// The patient's identifier, such as a personnummer. Personal data.
    public var patientID: String
    public var startedAt: Date

    public init(id: String, patientID: String, startedAt: Date) {
        self.id = id
        self.patientID = patientID
        self.startedAt = startedAt
    }

    /// Checks the identifiers the kiosk sent: visible characters only, bounded length, so a
    /// broken kiosk cannot smuggle control characters into logs or the store.
    public static func validate(visitID: String, patientID: String) throws(VisitError) {
        try check(visitID, field: "visit")
        try check(patientID, field: "patient")
    }

    private static func check(_ value: String, field: String) throws(VisitError) {
        guard !value.isEmpty, value.count <= 64,
            value.unicodeScalars.allSatisfy({
                $0.value > 0x20 && $0.value != 0x7F && $0.properties.isWhitespace == false
            })
        else {
            throw VisitError.invalidIdentifier(field: field)
        }
    }
}

/// Why a visit request was refused.
public enum VisitError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidIdentifier(field: String)
    case alreadyActive(visitID: String)
    case alreadyUsed(visitID: String)
    case noActiveVisit
    case mismatchedVisit(active: String, requested: String)

    public var code: String {
        switch self {
        case .invalidIdentifier: "bad_request"
        case .alreadyActive: "visit_active"
        case .alreadyUsed: "visit_used"
        case .noActiveVisit: "no_visit"
        case .mismatchedVisit: "wrong_visit"
        }
    }

    public var description: String {
        switch self {
        case .invalidIdentifier(let field):
            "'\(field)' must be 1 to 64 visible characters without spaces"
        case .alreadyActive(let visitID):
            "visit \(visitID) is still active; end it before starting another"
        case .alreadyUsed(let visitID):
            "visit \(visitID) was already used in this room; every visit needs a new identifier"
        case .noActiveVisit:
            "no visit is active; start one first"
        case .mismatchedVisit(let active, let requested):
            "visit \(requested) is not the active visit (\(active))"
        }
    }
}
