import Foundation
import Testing

/// `make install DESTDIR=… PREFIX=/usr` with the binaries already built (SKIP_BUILD=1, from the
/// test's own build folder: a release build here would take minutes), the tree it makes, and
/// `make uninstall` taking all of it away.
@Suite(.serialized) struct MakeInstallTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every file (not directory) under `root`, relative, sorted, with its permission bits.
    static func files(under root: URL) throws -> [String: Int] {
        var result: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return result }
        for case let path as String in walker {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.path + "/" + path)
            guard attributes[.type] as? FileAttributeType != .typeDirectory else { continue }
            result[path] = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        return result
    }

    static func make(_ arguments: [String]) async throws -> RoomProcess.Result {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/make") else {
            throw IntegrationError("no /usr/bin/make: apt-get install make")
        }
        return try await RoomProcess.run(
            URL(fileURLWithPath: "/usr/bin/make"), ["-C", repository.path, "--no-print-directory"] + arguments)
    }

    static func listing(_ folder: String, suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(suffix) }.sorted()
    }

    @Test func installPutsEachFileInItsPlaceAndUninstallRemovesThemAll() async throws {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination) }
        let variables = [
            "DESTDIR=\(destination.path)", "PREFIX=/usr", "SKIP_BUILD=1", "BINDIR_SRC=\(RoomProcess.binDirectory.path)",
        ]
        _ = try RoomProcess.executable("vhrd")
        let install = try await Self.make(["install"] + variables)
        #expect(install.status == 0, "make install failed: \(install.stderr)")

        var expected: [String: Int] = [
            "usr/bin/vhrd": 0o755, "usr/bin/vhrctl": 0o755,
            "usr/lib/sysusers.d/vhr.conf": 0o644, "usr/lib/tmpfiles.d/vhr.conf": 0o644,
            "usr/lib/udev/rules.d/70-vhr.rules": 0o644, "usr/lib/udev/hwdb.d/70-vhr.hwdb": 0o644,
            "usr/share/doc/vhr/README.md": 0o644, "usr/share/doc/vhr/vhrd.conf.example": 0o644,
            "usr/share/doc/vhr/69-vhr-local.rules.example": 0o644, "usr/share/doc/vhr/deploy.md": 0o644,
        ]
        for unit in try Self.listing("systemd", suffix: ".service") + Self.listing("systemd", suffix: ".socket") {
            expected["usr/lib/systemd/system/\(unit)"] = 0o644
        }
        for profile in try Self.listing("DeviceProfiles", suffix: ".json") {
            expected["usr/share/vhr/profiles/\(profile)"] = 0o644
        }
        // Beside bin, where vhrd looks: the simulated stethoscope's recordings and their attribution.
        for recording in try Self.listing("Sources/VHRDevices/Simulated/Recordings", suffix: ".wav") + ["README.md"] {
            expected["usr/share/vhr/recordings/\(recording)"] = 0o644
        }
        for doc in try Self.listing("docs", suffix: ".md") {
            expected["usr/share/doc/vhr/\(doc)"] = 0o644
        }
        let installed = try Self.files(under: destination)
        #expect(installed == expected, "installed: \(installed.keys.sorted())")
        #expect(expected.keys.contains { $0.hasSuffix("vhrd.service") }, "no vhrd.service in systemd/")

        // The files are the repository's, the binaries the built ones, the units point at BINDIR.
        let rules = try Data(contentsOf: destination.appendingPathComponent("usr/lib/udev/rules.d/70-vhr.rules"))
        #expect(rules == (try Data(contentsOf: Self.repository.appendingPathComponent("udev/70-vhr.rules"))))
        let vhrd = try Data(contentsOf: destination.appendingPathComponent("usr/bin/vhrd"))
        #expect(vhrd == (try Data(contentsOf: RoomProcess.binDirectory.appendingPathComponent("vhrd"))))
        let service = try String(
            contentsOf: destination.appendingPathComponent("usr/lib/systemd/system/vhrd.service"), encoding: .utf8)
        #expect(service.contains("ExecStart=/usr/bin/vhrd"))

        // The installed vhrd runs the simulated room (its stethoscope plays a bundled recording)
        // with no build directory's resource bundle beside it: it finds the recordings it was given.
        let room = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-installed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: room) }
        let daemon = Process()
        daemon.executableURL = ProcessGroup.setpriv
        daemon.arguments = ProcessGroup.dyingWithParent([
            destination.appendingPathComponent("usr/bin/vhrd").path, "--simulate", "--runtime-dir",
            room.appendingPathComponent("run").path, "--state-dir", room.appendingPathComponent("state").path,
        ])
        let said = LockedData()
        let pipe = Pipe()
        pipe.fileHandleForReading.readabilityHandler = { said.append($0.availableData) }
        daemon.standardError = pipe
        daemon.standardOutput = FileHandle.nullDevice
        let group = try ProcessGroup.launch(daemon)
        defer { group.end() }
        let deadline = Date().addingTimeInterval(60)
        let stream = room.appendingPathComponent("run/stream.sock").path
        while !FileManager.default.fileExists(atPath: stream), group.isAlive, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(
            FileManager.default.fileExists(atPath: stream),
            "the installed vhrd did not run the simulated room: \(String(decoding: said.value, as: UTF8.self))")
        #expect(group.end(), "the installed vhrd did not stop")

        let uninstall = try await Self.make(["uninstall"] + variables)
        #expect(uninstall.status == 0, "make uninstall failed: \(uninstall.stderr)")
        let leftBehind = try Self.files(under: destination)
        #expect(leftBehind.isEmpty, "left behind: \(leftBehind.keys.sorted())")
        #expect(!FileManager.default.fileExists(atPath: destination.appendingPathComponent("usr/share/vhr").path))
    }

    @Test func aLocalPrefixPointsTheUnitsAtItsBinariesAndTheHwdbAtEtc() async throws {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination) }
        let variables = [
            "DESTDIR=\(destination.path)", "SKIP_BUILD=1", "BINDIR_SRC=\(RoomProcess.binDirectory.path)",
        ]
        let install = try await Self.make(["install"] + variables)
        #expect(install.status == 0, "make install failed: \(install.stderr)")
        let installed = try Self.files(under: destination)
        #expect(installed["usr/local/bin/vhrd"] == 0o755)
        #expect(installed["usr/local/lib/udev/rules.d/70-vhr.rules"] == 0o644)
        // systemd-hwdb never reads /usr/local/lib/udev/hwdb.d.
        #expect(installed["etc/udev/hwdb.d/70-vhr.hwdb"] == 0o644)
        let service = try String(
            contentsOf: destination.appendingPathComponent("usr/local/lib/systemd/system/vhrd.service"), encoding: .utf8
        )
        #expect(service.contains("ExecStart=/usr/local/bin/vhrd"))
        #expect(!service.contains("/usr/bin/vhr"))
        let uninstall = try await Self.make(["uninstall"] + variables)
        #expect(uninstall.status == 0, "make uninstall failed: \(uninstall.stderr)")
        #expect(try Self.files(under: destination).isEmpty)
    }
}
