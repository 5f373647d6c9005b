import Foundation
import Testing

/// `vhrctl profiles`, run as a packager would, and the udev files it makes, checked by udev's
/// own tools: `systemd-hwdb` on the hwdb, and `udevadm test` on fake devices (umockdev) in a
/// private mount namespace, since `udevadm test` really creates its links in `/dev`.
@Suite(.serialized) struct ProfilesCommandTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-udev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func tool(_ path: String) throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw IntegrationError("no \(path): run scripts/install-deps.sh (package udev, umockdev)")
        }
        return URL(fileURLWithPath: path)
    }

    /// Runs a tool that must succeed and say nothing on stderr: systemd-hwdb exits 0 on warnings.
    static func runClean(_ executable: URL, _ arguments: [String]) async throws -> String {
        let result = try await RoomProcess.run(executable, arguments)
        #expect(result.status == 0, "\(executable.lastPathComponent) \(arguments) exited \(result.status)")
        #expect(result.stderr.isEmpty, "\(executable.lastPathComponent) \(arguments) said: \(result.stderr)")
        return String(decoding: result.stdout, as: UTF8.self)
    }

    @Test func generateUdevWritesExactlyTheCommittedFiles() async throws {
        let output = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let vhrctl = try RoomProcess.executable("vhrctl")
        let profiles = Self.repository.appendingPathComponent("DeviceProfiles").path
        _ = try await Self.runClean(vhrctl, ["profiles", "generate-udev", output.path, "--profiles-dir", profiles])
        let written = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        #expect(written == ["69-vhr-local.rules.example", "70-vhr.hwdb", "70-vhr.rules"])
        for name in written {
            let generated = try Data(contentsOf: output.appendingPathComponent(name))
            let committed = try Data(contentsOf: Self.repository.appendingPathComponent("udev/\(name)"))
            #expect(generated == committed, "udev/\(name) differs from what vhrctl profiles generate-udev writes")
        }
    }

    @Test func generateUdevWarnsAboutAGenericAdapterAndLeavesItOut() async throws {
        let profiles = try Self.temporaryDirectory()
        let output = try Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: profiles)
            try? FileManager.default.removeItem(at: output)
        }
        let bad = #"""
            {"id": "ftdi-cuff", "name": "A cuff on an FTDI cable", "vendor": "Acme", "kind": "bp-cuff",
             "family": "suntech-cuff", "transport": "usb", "match": [{"usb": {"vendor": "0403", "product": "6001"}}]}
            """#
        try Data(bad.utf8).write(to: profiles.appendingPathComponent("ftdi-cuff.json"))
        let vhrctl = try RoomProcess.executable("vhrctl")
        let result = try await RoomProcess.run(
            vhrctl, ["profiles", "generate-udev", output.path, "--profiles-dir", profiles.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("ftdi-cuff.json: match usb 0403:6001 left out"), "\(result.stderr)")
        let hwdb = try String(contentsOf: output.appendingPathComponent("70-vhr.hwdb"), encoding: .utf8)
        #expect(!hwdb.contains("usb:v0403p6001"))
        #expect(hwdb.contains("# refused: usb 0403:6001"))
    }

    @Test func profilesListShowsEveryProfileWithItsMatches() async throws {
        let vhrctl = try RoomProcess.executable("vhrctl")
        let profiles = Self.repository.appendingPathComponent("DeviceProfiles").path
        let text = try await Self.runClean(vhrctl, ["profiles", "list", "--profiles-dir", profiles])
        #expect(text.contains("omron-hem7322u"), "\(text)")
        #expect(text.contains("usb 0590:0090"))
        #expect(text.contains("usbInterface 0f"))
        #expect(text.contains("enrolled by the room"))
        let json = try await Self.runClean(vhrctl, ["--json", "profiles", "list", "--profiles-dir", profiles])
        let rows = try json.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let names = try FileManager.default.contentsOfDirectory(
            atPath: Self.repository.appendingPathComponent("DeviceProfiles").path
        ).filter { $0.hasSuffix(".json") }
        #expect(rows.count == names.count)
        #expect(
            rows.contains { $0["id"] as? String == "generic-uac-stethoscope" && $0["transport"] as? String == "alsa" })
        let missing = try await RoomProcess.run(vhrctl, ["profiles", "list", "--profiles-dir", "/nonexistent"])
        #expect(missing.status == 2)
        // Nothing named and nothing installed: the built-in profiles, as vhrd uses them.
        if !FileManager.default.fileExists(atPath: "/usr/share/vhr/profiles") {
            let builtIn = try await RoomProcess.run(vhrctl, ["--json", "profiles", "list"])
            #expect(builtIn.status == 0, "\(builtIn.stderr)")
            let ids = String(decoding: builtIn.stdout, as: UTF8.self).split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
            }
            #expect(ids.contains("simulated-bp-cuff") && ids.contains("simulated-stethoscope"), "\(ids)")
        }
    }

    @Test func theHwdbCompilesStrictlyAndAnswersForEachModel() async throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let hwdbDirectory = root.appendingPathComponent("etc/udev/hwdb.d")
        try FileManager.default.createDirectory(at: hwdbDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.repository.appendingPathComponent("udev/70-vhr.hwdb"),
            to: hwdbDirectory.appendingPathComponent("70-vhr.hwdb"))
        let hwdb = try Self.tool("/usr/bin/systemd-hwdb")
        _ = try await Self.runClean(hwdb, ["update", "--root", root.path, "--strict"])
        let stethoscope = try await Self.runClean(hwdb, ["query", "--root", root.path, "usb:v0D8Cp0014"])
        #expect(stethoscope == "ID_VHR_CLASS=stethoscope\nID_VHR_PROFILE=generic-uac-stethoscope\n")
        // An interface's MODALIAS, as 50-udev-default.rules looks it up for interfaces and hidraw nodes.
        let interface = try await Self.runClean(
            hwdb, ["query", "--root", root.path, "usb:v0590p0090d0100dc00dsc00dp00ic03isc00ip00in00"])
        #expect(interface == "ID_VHR_CLASS=cuff\nID_VHR_PROFILE=omron-hem7322u\n")
        for adapter in ["usb:v0403p6001", "usb:v10C4pEA60", "usb:v1A86p7523", "usb:v067Bp2303"] {
            let answer = try await Self.runClean(hwdb, ["query", "--root", root.path, adapter])
            #expect(answer.isEmpty, "\(adapter) is claimed: \(answer)")
        }
    }

    // MARK: udevadm test in a sandbox

    /// Runs in `unshare -m`: our rules and hwdb over /etc/udev, a group file that has vhr, and a
    /// private /dev, then `udevadm test` on a umockdev device.
    static let sandboxScript = #"""
        set -eu
        root=$1; fixture=$2; syspath=$3
        mount --make-rprivate /
        mount --bind "$root/etc/udev" /etc/udev
        mount --bind "$root/group" /etc/group
        mkdir -p "$root/run-udev" "$root/dev/pts"
        mount --bind "$root/run-udev" /run/udev
        for node in null zero urandom random tty; do
            touch "$root/dev/$node"
            mount --bind "/dev/$node" "$root/dev/$node"
        done
        mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
        ln -sf pts/ptmx "$root/dev/ptmx"
        mount --rbind "$root/dev" /dev
        exec umockdev-run --device "$fixture" -- udevadm test --action=add "$syspath"
        """#

    struct UdevTest {
        var output: String
        /// The device's properties after the rules, from udevadm test's last block.
        var properties: [String: String]

        /// Whether a line of 70-vhr.rules applied `assignment`, like `GROUP 971`.
        func applied(_ assignment: String) -> Bool {
            output.split(separator: "\n").contains { $0.contains("/70-vhr.rules:") && $0.hasSuffix(" " + assignment) }
        }
    }

    static func udevadmTest(fixture: String, syspath: String, localRules: String? = nil) async throws -> UdevTest {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let rules = root.appendingPathComponent("etc/udev/rules.d")
        let hwdbDirectory = root.appendingPathComponent("etc/udev/hwdb.d")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: hwdbDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("udev/70-vhr.rules"), to: rules.appendingPathComponent("70-vhr.rules")
        )
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("udev/70-vhr.hwdb"),
            to: hwdbDirectory.appendingPathComponent("70-vhr.hwdb"))
        if let localRules {
            try Data(localRules.utf8).write(to: rules.appendingPathComponent("69-vhr-local.rules"))
        }
        _ = try await runClean(try tool("/usr/bin/systemd-hwdb"), ["update", "--root", root.path, "--strict"])
        var group = try String(contentsOfFile: "/etc/group", encoding: .utf8)
        group += (group.hasSuffix("\n") ? "" : "\n") + "vhr:x:971:\n"
        try Data(group.utf8).write(to: root.appendingPathComponent("group"))
        let script = root.appendingPathComponent("sandbox.sh")
        try Data(sandboxScript.utf8).write(to: script)
        _ = try tool("/usr/bin/umockdev-run")
        _ = try tool("/usr/bin/udevadm")
        let result = try await RoomProcess.run(
            try tool("/usr/bin/unshare"),
            [
                "-m", "/bin/sh", script.path, root.path,
                repository.appendingPathComponent("Tests/Fixtures/umockdev/\(fixture)").path, syspath,
            ])
        let output = String(decoding: result.stdout, as: UTF8.self) + result.stderr
        #expect(result.status == 0, "udevadm test in the sandbox exited \(result.status):\n\(output)")
        var properties: [String: String] = [:]
        for line in String(decoding: result.stdout, as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "="), !line[..<equals].contains(" ") else { continue }
            properties[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return UdevTest(output: output, properties: properties)
    }

    @Test func aUSBModelFromTheHwdbGetsGroupModeLinkAndModemManagerIgnore() async throws {
        let test = try await Self.udevadmTest(
            fixture: "omron-7322u.umockdev", syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-5")
        #expect(test.properties["ID_VHR_PROFILE"] == "omron-hem7322u", "\(test.output)")
        #expect(test.properties["ID_VHR_CLASS"] == "cuff")
        #expect(test.properties["ID_MM_DEVICE_IGNORE"] == "1")
        #expect(test.properties["DEVLINKS"]?.contains("/dev/vhr/usb/cuff-omron-hem7322u-OM7322") == true)
        #expect(test.applied("GROUP 971"), "\(test.output)")
        #expect(test.applied("MODE 0660"))
        #expect(!FileManager.default.fileExists(atPath: "/dev/vhr"), "the sandbox leaked links into the host's /dev")
    }

    @Test func aPHDCMonitorIsClaimedByItsInterfaceClass() async throws {
        let test = try await Self.udevadmTest(
            fixture: "phdc-bpm.umockdev", syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2")
        #expect(test.properties["ID_VHR_PROFILE"] == "ieee11073-phdc-bp-monitor", "\(test.output)")
        #expect(test.properties["DEVLINKS"]?.contains("/dev/vhr/usb/cuff-ieee11073-phdc-bp-monitor-PHDC0002") == true)
        #expect(test.applied("GROUP 971") && test.applied("MODE 0660"), "\(test.output)")
    }

    @Test func aGenericSerialAdapterIsLeftAloneUntilEnrolled() async throws {
        let tty = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0/ttyUSB0/tty/ttyUSB0"
        let alone = try await Self.udevadmTest(fixture: "cuff-serial.umockdev", syspath: tty)
        #expect(alone.properties["ID_USB_SERIAL_SHORT"] == "A123XYZ", "\(alone.output)")
        #expect(alone.properties["ID_VHR_PROFILE"] == nil)
        #expect(alone.properties["ID_MM_DEVICE_IGNORE"] == nil)
        #expect(!alone.applied("GROUP 971"))

        let enrolled = try await Self.udevadmTest(
            fixture: "cuff-serial.umockdev", syspath: tty,
            localRules: #"""
                SUBSYSTEM=="tty", ENV{ID_USB_SERIAL}=="FTDI_FT232R_USB_UART_A123XYZ", \
                  ENV{ID_VHR_PROFILE}="suntech-advantage", ENV{ID_VHR_CLASS}="cuff"

                """#)
        #expect(enrolled.properties["ID_VHR_PROFILE"] == "suntech-advantage", "\(enrolled.output)")
        #expect(enrolled.properties["ID_MM_DEVICE_IGNORE"] == "1")
        #expect(enrolled.properties["DEVLINKS"]?.contains("/dev/vhr/cuff-suntech-advantage-A123XYZ") == true)
        #expect(enrolled.applied("GROUP 971") && enrolled.applied("MODE 0660"), "\(enrolled.output)")
    }
}
