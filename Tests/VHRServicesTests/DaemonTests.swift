import Foundation
import Testing
import VHRCore
import VHRServices
import VHRSystem

@Suite struct DaemonTests {
    static func options(_ arguments: [String]) throws -> DaemonOptions {
        guard case .run(let options) = try DaemonOptions.parse(arguments) else {
            throw HarnessError("not a run")
        }
        return options
    }

    static func scratch() throws -> String {
        let root = NSTemporaryDirectory() + "vhr-daemon-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    @Test func optionsParse() throws {
        #expect(try DaemonOptions.parse(["--help"]) == .help)
        #expect(try DaemonOptions.parse(["--version"]) == .version)
        let options = try Self.options(["--simulate", "--runtime-dir=/tmp/r", "--sim-time-scale", "40"])
        #expect(options.simulate && options.runtimeDirectory == "/tmp/r")
        #expect(options.simulationOverrides == ["time-scale": "40"])
        #expect(throws: UsageError.self) { try DaemonOptions.parse(["--runtime-dir", "relative"]) }
        #expect(throws: UsageError.self) { try DaemonOptions.parse(["--simulate", "--config", "/x"]) }
        #expect(throws: UsageError.self) { try DaemonOptions.parse(["--state-dir"]) }
        #expect(throws: UsageError.self) { try DaemonOptions.parse(["--bogus"]) }
    }

    @Test func uploadFlagsAreCheckedLikeTheConfig() throws {
        let options = try Self.options([
            "--simulate", "--upload-url", "http://127.0.0.1:8080/fhir", "--upload-token-file", "/etc/vhr/t",
            "--upload-ca-file=/etc/vhr/ca.pem",
        ])
        #expect(options.uploadURL == "http://127.0.0.1:8080/fhir")
        #expect(options.uploadTokenFile == "/etc/vhr/t" && options.uploadCAFile == "/etc/vhr/ca.pem")
        // Health data leaves the machine only over TLS.
        let plain = #expect(throws: UsageError.self) {
            try DaemonOptions.parse(["--simulate", "--upload-url", "http://fhir.example.org/r4"])
        }
        #expect(plain?.message.contains("https://") == true)
        #expect(throws: UsageError.self) { try DaemonOptions.parse(["--upload-token-file", "token"]) }
        #expect(throws: UsageError.self) { try DaemonOptions.parse(["--simulate", "--upload-ca-file", "/ca.pem"]) }
    }

    @Test func badConfigNamesFileLineAndField() throws {
        let root = try Self.scratch()
        let path = root + "/vhrd.conf"
        try "[room]\nname = test\n\n[device cuff]\nprofile = simulated-bp-cuff\ntime-scale = fast\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let options = try Self.options(["--config", path, "--runtime-dir", root + "/run", "--state-dir", root + "/s"])
        let error = try #require(throws: ConfigError.self) {
            try Daemon(options: options, environment: [:], logger: Logger(label: "t", handler: InMemoryLogHandler()))
        }
        #expect(error.file == path)
        #expect(error.line == 6)
        #expect(error.field.contains("time-scale"))
        #expect(!error.fix.isEmpty)
    }

    @Test func missingConfigPointsToSimulate() throws {
        let root = try Self.scratch()
        let options = try Self.options(["--config", root + "/none.conf", "--runtime-dir", root + "/run"])
        let error = try #require(throws: ConfigError.self) {
            try Daemon(options: options, environment: [:], logger: Logger(label: "t", handler: InMemoryLogHandler()))
        }
        #expect(error.fix.contains("--simulate"))
    }

    @Test func badProfileIsRefusedWithItsFile() throws {
        let root = try Self.scratch()
        try FileManager.default.createDirectory(atPath: root + "/profiles", withIntermediateDirectories: true)
        try "{\"id\": \"broken\", \"name\": 1}".write(
            toFile: root + "/profiles/broken.json", atomically: true, encoding: .utf8)
        let options = try Self.options([
            "--simulate", "--profiles-dir", root + "/profiles", "--runtime-dir", root + "/run", "--state-dir",
            root + "/s",
        ])
        let error = try #require(throws: ProfileError.self) {
            try Daemon(options: options, environment: [:], logger: Logger(label: "t", handler: InMemoryLogHandler()))
        }
        #expect(error.description.contains("broken.json"))
    }

    @Test func runtimeDirectoryFromSystemd() throws {
        let root = try Self.scratch()
        let options = try Self.options(["--simulate", "--state-dir", root + "/s"])
        let daemon = try Daemon(
            options: options, environment: ["RUNTIME_DIRECTORY": root + "/systemd-run"],
            logger: Logger(label: "t", handler: InMemoryLogHandler()))
        #expect(daemon.runtimeDirectory == root + "/systemd-run")
    }

    @Test func aSecondDaemonOnTheSameStateIsRefused() async throws {
        let harness = try await DaemonHarness()
        let options = try Self.options([
            "--simulate", "--runtime-dir", harness.root + "/run2", "--state-dir", harness.stateDirectory,
        ])
        #expect(throws: (any Error).self) {
            try Daemon(options: options, environment: [:], logger: Logger(label: "t", handler: InMemoryLogHandler()))
        }
        try await harness.stop()
    }

    @Test func patientIdentifiersNeverReachTheLog() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.controlPath)
        _ = try await client.json()
        try client.send(
            "{\"id\":1,\"method\":\"visit.start\",\"params\":{\"visit\":\"log-1\",\"patient\":\"19121212-1212\"}}\n")
        #expect(try await client.json()?["ok"] == true)
        try client.send("{\"id\":2,\"method\":\"measure.bp\"}\n")
        #expect(try await client.json(timeout: 10)?["ok"] == true)
        try client.send("{\"id\":3,\"method\":\"visit.end\"}\n")
        #expect(try await client.json()?["ok"] == true)
        try await harness.stop()
        let everything = harness.logs.records.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(everything.contains("log-1"))
        #expect(!everything.contains("19121212"))
    }
}
