import Foundation
import Testing
import VHRCore
import VHRTestSupport

/// The lab itself: the fault proxy does what each fault says (the upload tests rely on it), the
/// server enforces a bearer token when asked, and nothing keeps running after a lab ends.
@Suite(.serialized) struct FHIRLabTests {
    @Test func aMissingVenvFailsNamingTheInstallScript() throws {
        let error = #expect(throws: FHIRLabError.self) {
            try FHIRLabVenv.located(at: "/nonexistent/vhr-fhirlab-venv")
        }
        #expect(error?.description.contains("run scripts/install-fhir-lab.sh") == true)
        #expect(error?.description.contains("/nonexistent/vhr-fhirlab-venv") == true)
    }

    @Test func aLimitedFaultHitsOnlyTheNextRequestsOfItsMethods() async throws {
        try await FHIRLab.with { lab in
            try lab.setFault(FHIRLabFault.serviceUnavailable(retryAfter: 3).times(2).only(methods: ["POST"]))
            // A search is not a POST: relayed, and not counted against the two.
            let search = try await lab.get(lab.proxyURL + "/Patient", query: ["identifier": patientToken])
            #expect(search.status == 200)
            var statuses: [Int?] = []
            for _ in 0..<3 {
                statuses.append(
                    try await lab.post(patientBody("199001012388"), to: lab.proxyURL, path: "/Patient").status)
            }
            #expect(statuses == [503, 503, 201])
            #expect(
                try lab.faultStats() == FHIRLabFaultStats(requests: 4, passed: 2, faulted: [.serviceUnavailable: 2]))
        }
    }

    @Test func aSlowResponseTimesTheClientOutAfterTheServerCommitted() async throws {
        try await FHIRLab.with { lab in
            try lab.setFault(.delayResponse(seconds: 4))
            let slow = try await lab.post(
                patientBody("199001012388"), to: lab.proxyTLSURL, path: "/Patient", timeout: .seconds(1))
            #expect(slow.timedOut, "curl exit \(slow.curlExitCode) \(slow.message)")
            #expect(try await lab.count("Patient", identifier: FHIRSystem.personnummer + "|199001012388") == 1)
            #expect(try lab.faultStats().faulted[.delayResponse] == 1)
        }
    }

    @Test func aSeededRandomFaultRepeatsItsSequence() async throws {
        try await FHIRLab.with { lab in
            var runs: [[Int32]] = []
            for _ in 0..<2 {
                try lab.setFault(.random(seed: 11, probability: 0.5, among: [.serviceUnavailable, .resetBefore]))
                var outcomes: [Int32] = []
                for _ in 0..<12 {
                    let response = try await lab.get(lab.proxyURL + "/metadata", query: [:])
                    // 0 relayed, 503 refused, or curl's exit code for a dropped connection.
                    outcomes.append(response.status == 200 ? 0 : response.status == 503 ? 503 : response.curlExitCode)
                }
                let stats = try lab.faultStats()
                #expect(stats.requests == 12)
                #expect(stats.passed == outcomes.filter { $0 == 0 }.count)
                #expect(stats.faulted[.serviceUnavailable, default: 0] == outcomes.filter { $0 == 503 }.count)
                runs.append(outcomes)
            }
            #expect(runs[0] == runs[1])
            #expect(Set(runs[0]).count == 3, "expected relayed, 503 and dropped requests in \(runs[0])")
        }
    }

    @Test func theServerRequiresTheBearerTokenWhenGivenOne() async throws {
        var options = FHIRLab.Options()
        options.bearerToken = "vhr-test-token-\(UUID().uuidString)"
        options.proxy = false
        try await FHIRLab.with(options) { lab in
            // The lab authenticates its own requests: the patient was created and is counted.
            #expect(try await lab.count("Patient", identifier: patientToken) == 1)
            let anonymous = try await FHIRLabAnonymous.get(lab.serverURL + "/Patient")
            #expect(anonymous == 401)
        }
    }

    @Test func nothingAnswersAfterTheLabIsDropped() async throws {
        var urls: [String] = []
        do {
            let lab = try await FHIRLab.start()
            urls = [lab.serverURL + "/metadata", lab.proxyURL + "/metadata"]
            #expect(try await FHIRLabAnonymous.get(urls[0]) == 200)
        }
        // deinit killed both without waiting; give the kernel a moment to close their sockets.
        var answers: [Int?] = []
        for _ in 0..<100 {
            answers = [try await FHIRLabAnonymous.get(urls[0]), try await FHIRLabAnonymous.get(urls[1])]
            if answers == [nil, nil] { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answers == [nil, nil])
    }

    private var patientToken: String { FHIRSystem.personnummer + "|" + FHIRLab.testPatient }

    private func patientBody(_ personnummer: String) -> Data {
        let patient: JSONValue = [
            "resourceType": "Patient",
            "identifier": [["system": .string(FHIRSystem.personnummer), "value": .string(personnummer)]],
        ]
        return Data(patient.jsonLine().utf8)
    }
}

/// A plain `curl` GET with no token and no lab: the status, or `nil` when nothing answered.
private enum FHIRLabAnonymous {
    static func get(_ url: String) async throws -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let code = Int(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) ?? 0
        return code == 0 ? nil : code
    }
}
