import Foundation
import Testing
import VHRCore

@Suite struct DiagnosticsReportTests {
    static let report = DiagnosticsReport(
        room: "school 4", mode: .daemon, generated: Date(timeIntervalSince1970: 1_800_000_000), captureSeconds: 3,
        checks: [
            .ok("device.cuff", "simulated", details: ["exists": true]),
            DiagnosticCheck(id: "clock", status: .warning, value: "not synchronised", fix: "timedatectl set-ntp true"),
            DiagnosticCheck(
                id: "upload", status: .failure, value: "unreachable: connection refused", fix: "start the server",
                details: ["http_status": .null, "tries": 1]),
        ])

    @Test func theWorstCheckDecidesTheStatus() {
        #expect(Self.report.status == .failure)
        #expect(
            DiagnosticsReport(room: "r", mode: .direct, generated: .now, captureSeconds: 1, checks: []).status == .ok)
        var warned = Self.report
        warned.checks.removeLast()
        #expect(warned.status == .warning)
        #expect(Self.report.count(.ok) == 1)
        #expect(Self.report.check("clock")?.fix == "timedatectl set-ntp true")
        #expect(Self.report.check("nothing") == nil)
    }

    @Test func jsonRoundTripsThroughText() throws {
        let json = Self.report.json
        #expect(json["status"] == "failure")
        #expect(json["summary"]?["warning"] == 1)
        let reparsed = try JSONValue(parsing: json.jsonLine())
        #expect(try DiagnosticsReport(json: reparsed) == Self.report)
    }

    @Test func aMalformedReportNamesTheField() {
        var fields = Self.report.json.objectValue ?? [:]
        fields["mode"] = "sideways"
        #expect(throws: DiagnosticsReportError(field: "mode")) { try DiagnosticsReport(json: .object(fields)) }
        fields = Self.report.json.objectValue ?? [:]
        fields["checks"] = [["id": "x", "status": "ok"]]
        #expect(throws: DiagnosticsReportError(field: "checks[0]")) { try DiagnosticsReport(json: .object(fields)) }
    }

    @Test func theTextHasOneLinePerCheckWithTheFixBelow() {
        let lines = Self.report.lines
        #expect(lines.count == 1 + 3 + 2 + 1)
        #expect(lines[1] == "OK    device.cuff  simulated")
        #expect(lines[2] == "WARN  clock        not synchronised")
        #expect(lines[3] == "                   fix: timedatectl set-ntp true")
        #expect(lines[4] == "FAIL  upload       unreachable: connection refused")
        #expect(lines.last?.hasPrefix("1 failure(s), 1 warning(s)") == true)
    }
}
