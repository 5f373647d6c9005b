import Foundation
import Testing

/// Real cuff protocols end to end: vhrd with a real-cuff profile, the device emulated at the USB
/// layer by umockdev, the visit driven through the real vhrctl, as a room would run.
@Suite(.serialized) struct RealCuffRoomTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func fixture(_ name: String) -> URL {
        repository.appendingPathComponent("Tests/Fixtures/umockdev").appendingPathComponent(name)
    }

    /// A room with the PHDC monitor (the shipped profile, with the manager system id the recording
    /// expects) and the simulated stethoscope.
    static func writeRoom(in root: URL) throws -> String {
        let profiles = root.appendingPathComponent("profiles")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        let shipped = repository.appendingPathComponent("DeviceProfiles/ieee11073-phdc-bp-monitor.json")
        var profile = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: shipped)) as? [String: Any])
        var parameters = profile["parameters"] as? [String: Any] ?? [:]
        parameters["managerSystemID"] = "1122334455667788"
        profile["parameters"] = parameters
        try JSONSerialization.data(withJSONObject: profile, options: [.prettyPrinted, .sortedKeys])
            .write(to: profiles.appendingPathComponent("ieee11073-phdc-bp-monitor.json"))
        let config = root.appendingPathComponent("vhrd.conf")
        try """
        [room]
        name = umockdev room
        profiles-dir = \(profiles.path)

        [device cuff]
        profile = ieee11073-phdc-bp-monitor

        [device stethoscope]
        profile = simulated-stethoscope
        source = synthetic
        """.write(to: config, atomically: true, encoding: .utf8)
        return config.path
    }

    /// `phdc-session.ioctl` (association, configuration, two stored readings, release, unplug) with
    /// the monitor's clock unset, as on a monitor nobody set: the readings are then dated by their
    /// arrival, inside the visit. With the recorded 2010 dates they would be an earlier patient's
    /// memory and, rightly, not recorded.
    static func writeRecording(in root: URL) throws -> String {
        var text = try String(contentsOf: fixture("phdc-session.ioctl"), encoding: .utf8)
        for stamp in ["2010072115355300", "2010072115401000"] {
            #expect(text.contains(stamp), "the recording's time stamps changed; update this test")
            text = text.replacingOccurrences(of: stamp, with: "FFFFFFFFFFFFFFFF")
        }
        let url = root.appendingPathComponent("phdc-unset-clock.ioctl")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func umockdevRun() throws -> String {
        let umockdev = "/usr/bin/umockdev-run"
        guard FileManager.default.isExecutableFile(atPath: umockdev) else {
            // Loud, never a skip: scripts/install-deps.sh installs it.
            throw IntegrationError("\(umockdev) is missing; run scripts/install-deps.sh (Debian package umockdev)")
        }
        return umockdev
    }

    static func temporaryRoot(_ prefix: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    @Test func aPHDCMonitorPluggedInDuringAVisitRecordsItsReadings() async throws {
        let umockdev = try Self.umockdevRun()
        let root = try Self.temporaryRoot("vhr-phdc")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try Self.writeRoom(in: root)
        let recording = try Self.writeRecording(in: root)

        // The monitor is not plugged in yet: the room starts, the kiosk opens a visit.
        let before = try await RoomProcess(arguments: ["--config", config], reusing: root, simulate: false)
        let devices = try await before.vhrctl("devices", "--json")
        #expect(devices.status == 0, "\(devices.stderr)")
        let start = try await before.vhrctl("visit", "start", "--visit", "phdc-visit", "--patient", "19121212-1212")
        #expect(start.status == 0, "\(start.stderr)")
        #expect(try await before.stop() == 0)

        // vhrd again, now with the monitor on the bus (umockdev), the visit resumed: the monitor
        // associates, sends its configuration and two stored readings, releases, and is unplugged.
        let room = try await RoomProcess.restart(
            of: before, arguments: ["--config", config], simulate: false,
            wrapper: [
                umockdev, "--device", Self.fixture("phdc-bpm.umockdev").path, "--ioctl",
                "/dev/bus/usb/001/007=\(recording)", "--",
            ])
        var measurements: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(30)
        while measurements.count < 2, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let readings = try await room.vhrctl("readings", "--json")
            measurements = readings.json?["measurements"] as? [[String: Any]] ?? []
        }
        #expect(measurements.count == 2, "vhrd said:\n\(room.stderr)")
        let values = measurements.map { [$0["systolic"], $0["diastolic"], $0["map"], $0["pulse"]] as? [Int] }
        #expect(values == [[113, 71, 85, 71], [122, 78, 93, 64]])
        #expect(measurements.allSatisfy { $0["visit"] as? String == "phdc-visit" && $0["device"] as? String == "cuff" })
        #expect(room.stderr.contains("clock"), "the unset clock is logged")
        let end = try await room.vhrctl("visit", "end", "--json")
        #expect(end.status == 0, "\(end.stderr)")
        #expect(try await room.stop() == 0)
    }

    /// The SunTech Advantage module on an FTDI adapter as /dev/ttyUSB0, emulated by a umockdev
    /// script (`suntech-measurement.script`: start, live cuff pressure up to 258 mmHg and down, the
    /// result). The kiosk measures as it does with the simulated cuff and gets the module's reading.
    @Test func aSunTechModuleMeasuresWhenTheKioskAsks() async throws {
        let umockdev = try Self.umockdevRun()
        let root = try Self.temporaryRoot("vhr-suntech")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("vhrd.conf")
        try """
        [room]
        name = umockdev room
        profiles-dir = \(Self.repository.appendingPathComponent("DeviceProfiles").path)

        [device cuff]
        profile = suntech-advantage
        port = /dev/ttyUSB0

        [device stethoscope]
        profile = simulated-stethoscope
        source = synthetic
        """.write(to: config, atomically: true, encoding: .utf8)
        let room = try await RoomProcess(
            arguments: ["--config", config.path], reusing: root, simulate: false,
            wrapper: [
                umockdev, "--device", Self.fixture("cuff-serial.umockdev").path, "--script",
                "/dev/ttyUSB0=\(Self.fixture("suntech-measurement.script").path)", "--",
            ])
        let start = try await room.vhrctl("visit", "start", "--visit", "suntech-visit", "--patient", "19121212-1212")
        #expect(start.status == 0, "\(start.stderr)")
        let measured = try await room.vhrctl("measure", "bp")
        #expect(measured.status == 0, "\(measured.stderr)\nvhrd said:\n\(room.stderr)")
        let stdout = String(decoding: measured.stdout, as: UTF8.self)
        #expect(stdout.contains("blood pressure 115/74 mmHg, MAP 88 mmHg, pulse 85 /min"), "\(stdout)")
        // The live cuff pressure reached the kiosk while the module measured.
        #expect(measured.stderr.contains("mmHg"), "\(measured.stderr)")
        let readings = try await room.vhrctl("readings", "--json")
        let measurements = readings.json?["measurements"] as? [[String: Any]] ?? []
        #expect(measurements.count == 1)
        #expect(measurements.first?["visit"] as? String == "suntech-visit")
        #expect(try await room.stop() == 0)
    }
}
