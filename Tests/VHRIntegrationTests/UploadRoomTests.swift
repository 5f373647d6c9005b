import Foundation
import Testing
import VHRCore
import VHRTestSupport

/// A real `vhrd --simulate --upload-url …` uploading to a real FHIR server (sekmet) through the
/// fault proxy over TLS, trusting the proxy's CA with `--upload-ca-file` and authenticating
/// with `--upload-token-file`: every measurement ends on the server exactly once.
@Suite(.serialized) struct UploadRoomTests {
    /// The uploader's request timeout in these tests (`--upload-timeout`), short so the slow-response
    /// fault costs seconds, not the default 30.
    static let uploadTimeout = 5
    static let simulation = ["--sim-time-scale", "40", "--sim-seed", "7", "--sim-fault-rate", "0"]

    @Test func aMeasurementReachesTheServerOnceThroughTheTLSProxy() async throws {
        try await UploadRoom.with { upload in
            let id = try await upload.measure()
            try await upload.waitUntilOnServer([id])
            // Give a duplicating retry the chance to happen before counting.
            try await upload.waitUntilQueueEmpty()
            let oracle = try await upload.oracle(confirmed: [id])
            #expect(oracle.isClean, "\(oracle)")
            #expect(oracle.server.count == 2, "\(oracle)")
        }
    }

    @Test func theFaultMatrixEndsWithEveryMeasurementOnce() async throws {
        try await UploadRoom.with { upload in
            let faults: [FHIRLabFault] = [
                .serviceUnavailable(retryAfter: 1), .resetBefore, .resetAfter,
                // Longer than the uploader's request timeout: it gives up while the server commits.
                .delayResponse(seconds: Double(Self.uploadTimeout + 3)),
            ]
            var confirmed: Set<String> = []
            for fault in faults {
                try upload.lab.setFault(fault.times(1).only(methods: ["POST"]))
                confirmed.insert(try await upload.measure())
                try await upload.waitUntil("the proxy applied \(fault)", timeout: .seconds(180)) {
                    try upload.lab.faultStats().faulted[fault.mode] == 1
                }
            }
            try upload.lab.setFault(.off)
            try await upload.waitUntilOnServer(confirmed, timeout: .seconds(300))
            try await upload.waitUntilQueueEmpty(timeout: .seconds(300))
            let oracle = try await upload.oracle(confirmed: confirmed)
            #expect(oracle.isClean, "\(oracle)")
            #expect(oracle.server.count == 2 * faults.count, "\(oracle)")
        }
    }
}

/// One lab and one uploading room, stopped together.
final class UploadRoom {
    let lab: FHIRLab
    let tokenFile: String
    private(set) var room: RoomProcess

    static let visit = "upload-visit-1"

    private init(lab: FHIRLab, tokenFile: String, room: RoomProcess) {
        self.lab = lab
        self.tokenFile = tokenFile
        self.room = room
    }

    /// Starts a lab that requires a bearer token and a room uploading to `url(lab)` (by default
    /// the proxy over TLS), with a visit for the lab's patient; runs `body`; stops both.
    static func with<T>(
        url: (FHIRLab) -> String = { $0.proxyTLSURL }, extraArguments: [String] = [],
        _ body: (UploadRoom) async throws -> T
    ) async throws -> T {
        var options = FHIRLab.Options()
        options.bearerToken = "vhr-upload-\(UUID().uuidString)"
        return try await FHIRLab.with(options) { lab in
            let tokenFile = lab.directory + "/upload-token"
            try Data((options.bearerToken ?? "").utf8).write(to: URL(fileURLWithPath: tokenFile))
            let arguments =
                UploadRoomTests.simulation + [
                    "--upload-url", url(lab), "--upload-ca-file", lab.caFile, "--upload-token-file", tokenFile,
                    "--upload-timeout", String(UploadRoomTests.uploadTimeout),
                ] + extraArguments
            let room = try await RoomProcess(arguments: arguments)
            let upload = UploadRoom(lab: lab, tokenFile: tokenFile, room: room)
            let start = try await room.vhrctl(
                "--json", "visit", "start", "--visit", visit, "--patient", FHIRLab.testPatient)
            guard start.status == 0 else { throw IntegrationError("visit start failed: \(start.stderr)") }
            let result = try await body(upload)
            _ = try await room.stop()
            return result
        }
    }

    /// Measures once; the measurement's id as the kiosk was told it.
    func measure() async throws -> String {
        let result = try await room.vhrctl("--json", "measure", "bp")
        guard result.status == 0, let measurement = result.json?["measurement"] as? [String: Any],
            let id = measurement["id"] as? String
        else { throw IntegrationError("measure bp failed: \(result.stderr)") }
        return id.lowercased()
    }

    /// Polls until `condition` holds, failing with what the daemon said when it never does.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(120), _ condition: () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while try await !condition() {
            guard clock.now < deadline else {
                let queue = try? await room.vhrctl("--json", "queue")
                throw IntegrationError(
                    "not within \(timeout): \(what). vhrctl queue: \(String(decoding: queue?.stdout ?? Data(), as: UTF8.self))"
                        + "\nvhrd said:\n\(room.stderr.suffix(3000))\nsekmet said:\n\(lab.log(of: "sekmet"))")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Waits until every measurement's panel is on the server.
    func waitUntilOnServer(_ ids: Set<String>, timeout: Duration = .seconds(120)) async throws {
        try await waitUntil("\(ids.count) measurements on the server", timeout: timeout) {
            let stored = Set(try await lab.identifiers())
            return ids.allSatisfy { stored.contains(UploadOracle.panelToken(of: $0)) }
        }
    }

    /// Waits until the room's queue has nothing pending or held.
    func waitUntilQueueEmpty(timeout: Duration = .seconds(120)) async throws {
        try await waitUntil("an empty upload queue", timeout: timeout) {
            let queue = try await room.vhrctl("--json", "queue")
            return queue.status == 0 && (queue.json?["pending"] as? Int) == 0 && (queue.json?["held"] as? Int) == 0
        }
    }

    /// The oracle over what the kiosk confirmed, the room stored and the server holds.
    func oracle(confirmed: Set<String>) async throws -> UploadOracle {
        let store = try await UploadOracle.readStore(room.stateDirectory)
        return UploadOracle(confirmed: confirmed, stored: store.ids, server: try await lab.identifiers())
    }
}
