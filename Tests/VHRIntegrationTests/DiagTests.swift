import Foundation
import Testing

/// `vhrctl diag` end to end: the real vhrctl testing a simulated room by itself (`--direct`),
/// with one fault injected per test, each found and named; and the refusals around it.
@Suite(.serialized) struct DiagTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A scratch root with a state directory; removed by the caller.
    static func scratch() throws -> (root: URL, state: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-diag-\(UUID().uuidString.prefix(8))")
        let state = root.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        return (root, state.path)
    }

    /// `vhrctl [--json] diag --direct ARGS --seconds 2`, optionally as `nobody` through setpriv(1).
    static func diag(_ arguments: [String], json: Bool = false, asNobody: Bool = false) async throws
        -> RoomProcess.Result
    {
        let vhrctl = try RoomProcess.executable("vhrctl")
        let command = (json ? ["--json"] : []) + ["diag", "--direct", "--seconds", "2"] + arguments
        if asNobody {
            return try await RoomProcess.run(
                URL(fileURLWithPath: "/usr/bin/setpriv"),
                ["--reuid=65534", "--regid=65534", "--clear-groups", vhrctl.path] + command)
        }
        return try await RoomProcess.run(vhrctl, command)
    }

    static func checks(_ result: RoomProcess.Result) throws -> [String: [String: Any]] {
        let report = try #require(result.json, "not a JSON report: \(String(decoding: result.stdout, as: UTF8.self))")
        let list = try #require(report["checks"] as? [[String: Any]])
        return Dictionary(
            uniqueKeysWithValues: list.compactMap { check in (check["id"] as? String).map { ($0, check) } })
    }

    static func text(_ result: RoomProcess.Result) -> String { String(decoding: result.stdout, as: UTF8.self) }

    /// A room with a SunTech serial cuff on `port` and the simulated stethoscope.
    static func serialRoom(in root: URL, port: String) throws -> [String] {
        let config = root.appendingPathComponent("vhrd.conf")
        try """
        [room]
        name = serial room

        [device cuff]
        profile = suntech-advantage
        port = \(port)

        [device stethoscope]
        profile = simulated-stethoscope
        source = synthetic
        """.write(to: config, atomically: true, encoding: .utf8)
        return ["--config", config.path, "--profiles-dir", repository.appendingPathComponent("DeviceProfiles").path]
    }

    @Test func theSimulatedRoomPasses() async throws {
        let (root, state) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try await Self.diag(["--simulate", "--state-dir", state], json: true)
        #expect(result.status == 0, "\(Self.text(result))\n\(result.stderr)")
        let checks = try Self.checks(result)
        #expect(
            Set(checks.keys) == [
                "device.cuff", "device.stethoscope", "cuff.cuff", "stethoscope.stethoscope", "upload", "outbox", "disk",
                "clock", "runs",
            ])
        for (id, check) in checks where id != "clock" && id != "stethoscope.stethoscope" {
            #expect(check["status"] as? String == "ok", "\(id): \(check)")
        }
        // The capture may warn of a late block on a loaded machine, never of the signal itself.
        let stethoscope = try #require(checks["stethoscope.stethoscope"])
        #expect(stethoscope["status"] as? String != "failure")
        let value = stethoscope["value"] as? String ?? ""
        #expect(!value.contains("noisy:") && !value.contains("clipping:") && !value.contains("sample rate off"))
        // This container's clock is not disciplined: a warning with the fix, not a failure.
        let clock = try #require(checks["clock"])
        #expect(["ok", "warning"].contains(clock["status"] as? String))
        if clock["status"] as? String == "warning" {
            #expect((clock["fix"] as? String)?.contains("systemd-timesyncd") == true)
        }
    }

    @Test func aMissingDeviceIsFoundAndNamed() async throws {
        let (root, state) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let port = root.appendingPathComponent("ttyUSB-missing").path
        let result = try await Self.diag(try Self.serialRoom(in: root, port: port) + ["--state-dir", state])
        let text = Self.text(result)
        #expect(result.status == 1, "\(text)\n\(result.stderr)")
        #expect(text.contains("FAIL  device.cuff"))
        #expect(text.contains("missing: port \(port) does not exist"))
        #expect(text.contains("fix: plug the cuff in"))
        #expect(text.contains("FAIL  cuff.cuff"))
        #expect(text.contains("OK    device.stethoscope"))
    }

    @Test func wrongPermissionsAreFoundWithTheFix() async throws {
        let (root, state) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        // A port that exists but the checking user cannot open: root's 0600 file while vhrctl runs
        // as nobody, or, when the tests are not root, a file closed to everyone.
        let port = root.appendingPathComponent("ttyUSB-locked").path
        let asNobody = getuid() == 0
        #expect(
            FileManager.default.createFile(
                atPath: port, contents: nil, attributes: [.posixPermissions: asNobody ? 0o600 : 0o000]))
        if asNobody { try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: state) }
        let result = try await Self.diag(
            try Self.serialRoom(in: root, port: port) + ["--state-dir", state], asNobody: asNobody)
        let text = Self.text(result)
        #expect(result.status == 1, "\(text)\n\(result.stderr)")
        #expect(text.contains("FAIL  device.cuff"))
        #expect(text.contains("wrong permissions: port \(port), "))
        #expect(text.contains(asNobody ? "root:root 0600" : " 0000"))
        #expect(text.contains("cannot open it read-write"))
        #expect(text.contains("fix: chgrp vhr \(port) && chmod 0660 \(port)"))
    }

    @Test func aDeadServerIsFoundAndNamed() async throws {
        let (root, state) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = "http://127.0.0.1:\(try Self.closedPort())/fhir"
        let result = try await Self.diag(["--simulate", "--state-dir", state, "--upload-url", url])
        let text = Self.text(result)
        #expect(result.status == 1, "\(text)\n\(result.stderr)")
        #expect(text.contains("FAIL  upload"))
        #expect(text.contains("\(url): unreachable: connection refused"))
        #expect(text.contains("fix: the server refused the connection: check the URL's port"))
        #expect(result.stderr.contains("the self-test found 1 failure(s)"))
        // The closing note quotes this report: one fault injected into the simulated room.
        print("vhrctl diag --direct --simulate --upload-url \(url) (exit \(result.status)):\n\(text)")
    }

    @Test func aNoisyAndAClippingStethoscopeAreFoundAndNamed() async throws {
        let (root, state) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let sox = "/usr/bin/sox"
        guard FileManager.default.isExecutableFile(atPath: sox) else {
            throw IntegrationError("no sox at \(sox); install it (scripts/install-deps.sh) to make the test signals")
        }
        let noise = root.appendingPathComponent("white-noise.wav").path
        let loud = root.appendingPathComponent("clipping-sine.wav").path
        for (file, effect) in [(noise, ["whitenoise", "vol", "0.5"]), (loud, ["sine", "100", "vol", "3"])] {
            let made = try await RoomProcess.run(
                URL(fileURLWithPath: sox),
                ["-q", "-n", "-r", "4000", "-c", "1", "-b", "16", file, "synth", "5"] + effect)
            #expect(made.status == 0, "sox failed: \(made.stderr)")
        }
        let noisy = try await Self.diag(["--simulate", "--state-dir", state, "--sim-source", "file:" + noise])
        #expect(noisy.status == 1, "\(Self.text(noisy))\n\(noisy.stderr)")
        #expect(Self.text(noisy).contains("FAIL  stethoscope.stethoscope  noisy: noise floor "))
        #expect(!Self.text(noisy).contains("clipping:"))
        let clipping = try await Self.diag(
            ["--simulate", "--state-dir", state, "--sim-source", "file:" + loud], json: true)
        #expect(clipping.status == 1)
        let check = try #require(try Self.checks(clipping)["stethoscope.stethoscope"])
        #expect(check["status"] as? String == "failure")
        #expect((check["value"] as? String)?.hasPrefix("clipping: ") == true)
        #expect(((check["details"] as? [String: Any])?["clip_ratio"] as? Double ?? 0) > 0.05)
    }

    @Test func directModeRefusesWhileVhrdRunsAndPlainDiagNeedsVhrd() async throws {
        let room = try await RoomProcess()
        let refused = try await Self.diag(["--simulate", "--state-dir", room.stateDirectory])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("vhrd is running (pid "))
        #expect(refused.stderr.contains("stop vhrd first"))
        #expect(refused.stdout.isEmpty)
        #expect(try await room.stop() == 0)

        let (root, _) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let vhrctl = try RoomProcess.executable("vhrctl")
        let unreachable = try await RoomProcess.run(vhrctl, ["--runtime-dir", root.path, "diag"])
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("vhrctl diag --direct"))
        let misused = try await RoomProcess.run(vhrctl, ["--runtime-dir", root.path, "diag", "--simulate"])
        #expect(misused.status == 2)
        #expect(misused.stderr.contains("--simulate is for 'vhrctl diag --direct'"))
        let badSeconds = try await RoomProcess.run(vhrctl, ["diag", "--direct", "--simulate", "--seconds", "0"])
        #expect(badSeconds.status == 2)
    }

    /// A loopback port nothing listens on: bound, read, then closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw IntegrationError("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A PHDC monitor is matched by its interface class, which the scan reads without opening the
    /// device: it is present (not "missing"), at the node umockdev emulates.
    @Test func aMonitorMatchedByInterfaceClassIsFound() async throws {
        let (root, state) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("vhrd.conf")
        try """
        [room]
        state-dir = \(state)
        runtime-dir = \(root.appendingPathComponent("run").path)
        profiles-dir = \(Self.repository.appendingPathComponent("DeviceProfiles").path)
        [device cuff]
        profile = ieee11073-phdc-bp-monitor
        """.write(to: config, atomically: true, encoding: .utf8)
        let umockdev = URL(fileURLWithPath: "/usr/bin/umockdev-run")
        guard FileManager.default.isExecutableFile(atPath: umockdev.path) else {
            throw IntegrationError("no /usr/bin/umockdev-run; run scripts/install-deps.sh (Debian package umockdev)")
        }
        let result = try await RoomProcess.run(
            umockdev,
            [
                "--device", Self.repository.appendingPathComponent("Tests/Fixtures/umockdev/phdc-bpm.umockdev").path,
                "--", try RoomProcess.executable("vhrctl").path, "--json", "diag", "--direct", "--config", config.path,
                "--seconds", "1",
            ])
        let checks = try Self.checks(result)
        let device = try #require(checks["device.cuff"], "\(result.stderr)")
        #expect(device["status"] as? String == "ok", "\(device)")
        #expect((device["value"] as? String)?.contains("/dev/bus/usb/001/007") == true, "\(device)")
    }
}
