import Foundation
import Testing
import VHRCore
import VHRServices

@Suite struct UploaderStatusTests {
    @Test func encodesForTheControlProtocol() {
        let status = UploaderStatus(
            state: .pausedAuth, lastOutcome: "held: HTTP 401 for the bundle",
            lastAttemptAt: Date(timeIntervalSince1970: 1_800_000_000), resumesIn: .milliseconds(1500), delivered: 4,
            retried: 2, held: 1,
            alarms: [.init(kind: "upload_auth", message: "renew the token", since: Date(timeIntervalSince1970: 5))])
        let json = status.json
        #expect(json["state"] == "paused-auth")
        #expect(json["delivered"] == .int(4) && json["retried"] == .int(2) && json["held"] == .int(1))
        #expect(json["last_outcome"] == "held: HTTP 401 for the bundle")
        #expect(json["last_attempt_at"] == .double(1_800_000_000))
        #expect(json["resumes_in_s"] == .double(1.5))
        #expect(json["alarms"]?[0]?["kind"] == "upload_auth" && json["alarms"]?[0]?["since"] == .double(5))
        let idle = UploaderStatus(state: .idle).json
        #expect(idle["state"] == "idle" && idle["last_outcome"] == nil && idle["resumes_in_s"] == nil)
        #expect(idle["alarms"] == .array([]))
    }
}
