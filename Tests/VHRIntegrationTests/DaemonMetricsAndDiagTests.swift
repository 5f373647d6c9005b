import Foundation
import Testing

/// The running daemon's metrics socket and self-test, through the real binaries and a real HTTP
/// client, as a fleet agent and a visiting technician would use them.
@Suite(.serialized) struct DaemonMetricsAndDiagTests {
    static let patient = "19121212-1212"

    static func scrape(_ room: RoomProcess) async throws -> String {
        let result = try await RoomProcess.run(
            URL(fileURLWithPath: "/usr/bin/curl"),
            [
                "--silent", "--show-error", "--fail", "--unix-socket", room.runtimeDirectory + "/metrics.sock",
                "http://localhost/metrics",
            ])
        #expect(result.status == 0, "curl: \(result.stderr)")
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// The value of the first sample line that starts with `prefix` (name and labels).
    static func value(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap {
            Double($0.split(separator: " ").last!)
        }
    }

    @Test func theMetricsFollowTheRoom() async throws {
        let room = try await RoomProcess(arguments: ["--sim-time-scale", "40", "--sim-fault-rate", "0"])
        let before = try await Self.scrape(room)
        #expect(before.contains("# TYPE vhr_measurements_saved_total counter"))
        #expect(Self.value(before, "vhr_measurements_saved_total") == 0)
        #expect(Self.value(before, "vhr_visit_active") == 0)
        #expect(Self.value(before, #"vhr_device_connected{device="cuff"}"#) == 1)
        #expect(before.contains(#"vhr_build_info{version=""#))
        // No [upload]: the upload families are absent, the outbox still counts.
        #expect(!before.contains("vhr_upload_requests_total"))

        #expect(try await room.vhrctl("visit", "start", "--visit", "metrics-1", "--patient", Self.patient).status == 0)
        #expect(try await room.vhrctl("measure", "bp").status == 0)
        // A listener on the stream while the next scrape happens.
        let output = room.root.appendingPathComponent("listen.raw").path
        let vhrctl = try RoomProcess.executable("vhrctl")
        let listenArguments = [
            "--runtime-dir", room.runtimeDirectory, "listen", "--seconds", "6", "--format", "raw", "--output", output,
        ]
        let listening = Task { try await RoomProcess.run(vhrctl, listenArguments) }
        // Scrape until the listener shows (no fixed sleep: the machine may be loaded).
        var during = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while Self.value(during, #"vhr_audio_readers{socket="stream"}"#) != 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            during = try await Self.scrape(room)
        }
        let later = try await Self.scrape(room)
        #expect(try await listening.value.status == 0)
        #expect(Self.value(during, "vhr_measurements_saved_total") == 1)
        #expect(Self.value(during, "vhr_visit_active") == 1)
        #expect(Self.value(during, #"vhr_outbox_measurements{state="pending"}"#) == 1)
        #expect((Self.value(during, "vhr_audio_captured_samples_total") ?? 0) > 0)
        #expect(Self.value(during, #"vhr_audio_readers{socket="stream"}"#) == 1)
        #expect(during.contains(#"vhr_audio_reader_lost_samples_total{socket="stream",reader="stream#"#))
        // A counter never goes down between scrapes (the stream's per-frame loss count resets; this must not).
        let lost = { (text: String) in
            text.split(separator: "\n").first { $0.hasPrefix("vhr_audio_reader_lost_samples_total{socket=\"stream\"") }
                .flatMap { Double($0.split(separator: " ").last!) }
        }
        if let first = lost(during), let second = lost(later) { #expect(second >= first) }
        #expect(try await room.stop() == 0)
    }

    @Test func diagAgainstTheRunningDaemonNamesADeadServer() async throws {
        // A closed loopback port: the self-test must find the upload server unreachable.
        let room = try await RoomProcess(arguments: [
            "--upload-url", "http://127.0.0.1:9/fhir", "--upload-timeout", "2",
        ])
        let report = try await room.vhrctl("diag", "--seconds", "1")
        let text = String(decoding: report.stdout, as: UTF8.self)
        print(text)
        #expect(report.status == 1, "\(report.stderr)")
        #expect(text.contains("FAIL  upload"), "\(text)")
        #expect(text.contains("connection refused"))
        #expect(text.contains("OK    stethoscope.stethoscope"))
        // The daemon recorded its start: the run history is the daemon's, not --direct's.
        let json = try await room.vhrctl("--json", "diag", "--seconds", "1")
        let checks = (json.json?["checks"] as? [[String: Any]]) ?? []
        #expect(checks.contains { ($0["id"] as? String) == "runs" && ($0["status"] as? String) == "ok" }, "\(checks)")
        #expect(try await room.stop() == 0)
    }
}
