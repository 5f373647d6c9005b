import Foundation

/// The room's self-test report: every check with its status, value and fix.
///
/// The daemon makes it (control method `diag`), or `vhrctl diag --direct` in its own process;
/// `vhrctl` renders it as text (`lines`) or passes the JSON on (`json`) for fleet tools.
public struct DiagnosticsReport: Sendable, Equatable {
    /// Who ran the checks: the running daemon, or vhrctl with the devices opened itself.
    public enum Mode: String, Sendable, Equatable {
        case daemon
        case direct
    }

    /// The room's name from its configuration.
    public var room: String
    public var mode: Mode
    /// When the checks ran.
    public var generated: Date
    /// How long each stethoscope was captured for.
    public var captureSeconds: Double
    /// The checks, in the order they ran.
    public var checks: [DiagnosticCheck]

    public init(room: String, mode: Mode, generated: Date, captureSeconds: Double, checks: [DiagnosticCheck]) {
        self.room = room
        self.mode = mode
        self.generated = generated
        self.captureSeconds = captureSeconds
        self.checks = checks
    }

    /// The worst status of any check: ok for an empty report.
    public var status: DiagnosticCheck.Status { checks.map(\.status).max() ?? .ok }

    /// The check named `id`, if it ran.
    public func check(_ id: String) -> DiagnosticCheck? { checks.first { $0.id == id } }

    /// How many checks ended with `status`.
    public func count(_ status: DiagnosticCheck.Status) -> Int { checks.filter { $0.status == status }.count }

    /// The report as one JSON object (the `diag` method's result and `vhrctl diag --json`).
    public var json: JSONValue {
        [
            "room": .string(room), "mode": .string(mode.rawValue), "generated": .string(generated.ISO8601Format()),
            "capture_s": .double(captureSeconds), "status": .string(status.rawValue),
            "summary": [
                "ok": .int(Int64(count(.ok))), "warning": .int(Int64(count(.warning))),
                "failure": .int(Int64(count(.failure))),
            ],
            "checks": .array(checks.map(\.json)),
        ]
    }

    /// Reads a report back from `json`.
    /// - Throws: `DiagnosticsReportError` naming the field that is missing or malformed.
    public init(json: JSONValue) throws(DiagnosticsReportError) {
        guard let room = json["room"]?.stringValue else { throw DiagnosticsReportError(field: "room") }
        guard let mode = json["mode"]?.stringValue.flatMap(Mode.init) else {
            throw DiagnosticsReportError(field: "mode")
        }
        guard let text = json["generated"]?.stringValue, let generated = try? Date(text, strategy: .iso8601) else {
            throw DiagnosticsReportError(field: "generated")
        }
        guard let seconds = json["capture_s"]?.doubleValue else { throw DiagnosticsReportError(field: "capture_s") }
        guard let list = json["checks"]?.arrayValue else { throw DiagnosticsReportError(field: "checks") }
        var checks: [DiagnosticCheck] = []
        for (index, item) in list.enumerated() {
            guard let check = DiagnosticCheck(json: item) else {
                throw DiagnosticsReportError(field: "checks[\(index)]")
            }
            checks.append(check)
        }
        self.init(room: room, mode: mode, generated: generated, captureSeconds: seconds, checks: checks)
    }

    /// The report for a person: a heading, then one line per check (`OK`, `WARN` or `FAIL`, the
    /// check, its value) with the fix indented on the line below it, then the verdict.
    public var lines: [String] {
        let width = (checks.map(\.id.count).max() ?? 0) + 2
        var lines = [
            "room \"\(room)\": self-test by \(mode == .daemon ? "vhrd" : "vhrctl --direct (vhrd stopped)"), "
                + "\(generated.ISO8601Format())"
        ]
        for check in checks {
            let label = check.status.label.padding(toLength: 6, withPad: " ", startingAt: 0)
            lines.append(label + check.id.padding(toLength: width, withPad: " ", startingAt: 0) + check.value)
            if let fix = check.fix { lines.append(String(repeating: " ", count: 6 + width) + "fix: " + fix) }
        }
        let failures = count(.failure)
        let warnings = count(.warning)
        switch status {
        case .ok: lines.append("all \(checks.count) checks passed")
        case .warning: lines.append("\(warnings) warning(s), no failure: the room works; see the fixes above")
        case .failure:
            lines.append(
                "\(failures) failure(s), \(warnings) warning(s): the room needs a technician; see the fixes above")
        }
        return lines
    }
}
