import Foundation

/// One finding of the room's self-test (`vhrctl diag`): what was checked, how it went, the
/// measured value, and on trouble the fix a technician applies.
public struct DiagnosticCheck: Sendable, Equatable {
    /// How a check went. Ordered: the worst status of a report is its status.
    public enum Status: String, Sendable, Equatable, Comparable, CaseIterable {
        case ok
        /// Works now, but needs attention before it fails (or cannot be checked here).
        case warning
        /// Broken: the room cannot do its work until this is fixed.
        case failure

        private var rank: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .failure: 2
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }

        /// The word the text report starts the line with.
        public var label: String {
            switch self {
            case .ok: "OK"
            case .warning: "WARN"
            case .failure: "FAIL"
            }
        }
    }

    /// A stable name for fleet tools: `device.cuff`, `cuff.cuff`, `stethoscope.stethoscope`,
    /// `upload`, `outbox`, `disk`, `clock`, `runs`.
    public var id: String
    public var status: Status
    /// What was measured, for a person: "present, root:vhr 0660, read-write for vhr".
    public var value: String
    /// What to do about it; `nil` when the status is ok.
    public var fix: String?
    /// The measured figures, for fleet tools (numbers stay numbers).
    public var details: [String: JSONValue]

    public init(
        id: String, status: Status, value: String, fix: String? = nil, details: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.status = status
        self.value = value
        self.fix = fix
        self.details = details
    }

    /// A check that found nothing wrong.
    public static func ok(_ id: String, _ value: String, details: [String: JSONValue] = [:]) -> DiagnosticCheck {
        DiagnosticCheck(id: id, status: .ok, value: value, details: details)
    }

    /// The check as one JSON object.
    public var json: JSONValue {
        [
            "id": .string(id), "status": .string(status.rawValue), "value": .string(value),
            "fix": fix.map { .string($0) } ?? .null, "details": .object(details),
        ]
    }

    /// Reads a check back from `json`; `nil` when a required field is missing or unknown.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let status = json["status"]?.stringValue.flatMap(Status.init),
            let value = json["value"]?.stringValue
        else { return nil }
        self.init(
            id: id, status: status, value: value, fix: json["fix"]?.stringValue,
            details: json["details"]?.objectValue ?? [:])
    }
}
