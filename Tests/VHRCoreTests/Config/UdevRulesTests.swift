import Foundation
import Testing
import VHRCore

@Suite struct UdevRulesTests {
    /// The repository's root, found from this file's path (`Tests/VHRCoreTests/Config/…`).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The built-in profiles merged with `DeviceProfiles/`, as `vhrctl profiles generate-udev`
    /// merges them.
    static func repositoryCatalog() throws -> ProfileCatalog {
        let directory = repository.appendingPathComponent("DeviceProfiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        let profiles = try names.sorted().map {
            try DeviceProfile.decode(Data(contentsOf: directory.appendingPathComponent($0)), file: $0)
        }
        let embedded = try EmbeddedProfiles.files.map { try DeviceProfile.decode($0.data, file: $0.name) }
        return try ProfileCatalog(profiles: embedded).merging(ProfileCatalog(profiles: profiles))
    }

    static func profile(
        _ id: String, kind: DeviceKind = .bloodPressureCuff, transport: DeviceProfile.Transport = .usb,
        _ match: [DeviceProfile.MatchRule]
    ) -> DeviceProfile {
        DeviceProfile(
            id: id, name: "Model \(id)", vendor: "Acme", kind: kind, family: "acme", transport: transport,
            match: match)
    }

    static func generate(_ profiles: DeviceProfile...) throws -> UdevRules {
        UdevRules(catalog: try ProfileCatalog(profiles: profiles))
    }

    /// The lines of a text that are not comments or blank.
    static func active(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    @Test func theCommittedUdevFilesAreWhatTheProfilesGenerate() throws {
        let udev = UdevRules(catalog: try Self.repositoryCatalog())
        #expect(udev.refusals.isEmpty, "\(udev.refusals)")
        for file in udev.files {
            let committed = try String(
                contentsOf: Self.repository.appendingPathComponent("udev/\(file.name)"), encoding: .utf8)
            #expect(
                committed == file.text,
                "udev/\(file.name) is stale: run 'vhrctl profiles generate-udev udev --profiles-dir DeviceProfiles'")
        }
    }

    @Test func aUSBModelGetsAnUpperCaseHwdbKeyWithItsProfileAndClass() throws {
        let udev = try Self.generate(
            Self.profile("acme-bp", [.usb(vendor: 0x0590, product: 0x00AB)]),
            Self.profile(
                "acme-steth", kind: .stethoscope, transport: .alsa,
                [.alsa(usbVendor: 0x0D8C, usbProduct: 0x0014, cardName: "Device")]),
            Self.profile(
                "acme-serial", transport: .serial, [.serial(usbVendor: 0x1209, usbProduct: 0x0001, serialNumber: nil)]))
        #expect(
            Self.active(udev.hwdb) == [
                "usb:v0590p00AB*", " ID_VHR_PROFILE=acme-bp", " ID_VHR_CLASS=cuff",
                "usb:v1209p0001*", " ID_VHR_PROFILE=acme-serial", " ID_VHR_CLASS=cuff",
                "usb:v0D8Cp0014*", " ID_VHR_PROFILE=acme-steth", " ID_VHR_CLASS=stethoscope",
            ])
        #expect(udev.hwdb.contains("# acme-bp: Model acme-bp\nusb:v0590p00AB*\n"))
        #expect(udev.refusals.isEmpty)
    }

    @Test func aGenericSerialAdapterIsNeverClaimedByItsIdsAlone() throws {
        let adapters = UdevRules.genericSerialAdapters.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        #expect(adapters.count >= 8)
        #expect(adapters.contains([0x0403, 0x6001]) && adapters.contains([0x10C4, 0xEA60]))
        #expect(adapters.contains([0x1A86, 0x7523]) && adapters.contains([0x067B, 0x2303]))
        for ids in adapters {
            let udev = try Self.generate(
                Self.profile("by-usb", [.usb(vendor: ids[0], product: ids[1])]),
                Self.profile(
                    "by-alsa", kind: .stethoscope, transport: .alsa,
                    [.alsa(usbVendor: ids[0], usbProduct: ids[1], cardName: nil)]),
                Self.profile(
                    "by-serial", transport: .serial, [.serial(usbVendor: ids[0], usbProduct: ids[1], serialNumber: nil)]
                ))
            let hex = DeviceProfile.MatchRule.hex
            let key = "usb:v\(hex(ids[0]).uppercased())p\(hex(ids[1]).uppercased())"
            #expect(!udev.hwdb.contains(key), "\(key) is in the hwdb")
            #expect(Self.active(udev.hwdb).isEmpty)
            #expect(!udev.rules.contains(hex(ids[0])), "\(hex(ids[0])) is in the rules")
            #expect(udev.refusals.map(\.profile) == ["by-alsa", "by-serial", "by-usb"])
            #expect(udev.refusals.allSatisfy { $0.reason == .genericSerialAdapter })
            #expect(udev.hwdb.contains("# refused: usb \(hex(ids[0])):\(hex(ids[1])): a generic USB-serial adapter"))
        }
    }

    @Test func aGenericAdapterNamedWithItsSerialNumberIsMatchedOnTheTty() throws {
        let udev = try Self.generate(
            Self.profile(
                "room-cuff", transport: .serial,
                [.serial(usbVendor: 0x0403, usbProduct: 0x6001, serialNumber: "A1\"$X")]))
        #expect(udev.refusals.isEmpty)
        #expect(Self.active(udev.hwdb).isEmpty)
        #expect(
            udev.rules.contains(
                #"""
                # room-cuff: Model room-cuff
                SUBSYSTEM=="tty", ENV{ID_VHR_PROFILE}=="", ENV{ID_USB_VENDOR_ID}=="0403", \
                  ENV{ID_USB_MODEL_ID}=="6001", ENV{ID_USB_SERIAL_SHORT}=="A1__X", \
                  ENV{ID_VHR_PROFILE}="room-cuff", ENV{ID_VHR_CLASS}="cuff"
                """#), "\(udev.rules)")
    }

    @Test func anInterfaceClassIsMatchedOnTheUSBDevice() throws {
        let udev = try Self.generate(Self.profile("phdc", [.usbInterface(class: 0x0F)]))
        #expect(
            udev.rules.contains(
                #"""
                SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_VHR_PROFILE}=="", \
                  ENV{ID_USB_INTERFACES}=="*:0f????:*", ENV{ID_VHR_PROFILE}="phdc", ENV{ID_VHR_CLASS}="cuff"
                """#), "\(udev.rules)")
        #expect(Self.active(udev.hwdb).isEmpty)
    }

    @Test func idsClaimedTwiceGoToTheFirstProfileOnly() throws {
        let udev = try Self.generate(
            Self.profile("b-second", [.usb(vendor: 0x1234, product: 0x5678)]),
            Self.profile("a-first", [.usb(vendor: 0x1234, product: 0x5678)]))
        #expect(
            udev.refusals == [
                .init(
                    profile: "b-second", rule: .usb(vendor: 0x1234, product: 0x5678),
                    reason: .alreadyClaimed(by: "a-first"))
            ])
        #expect(Self.active(udev.hwdb) == ["usb:v1234p5678*", " ID_VHR_PROFILE=a-first", " ID_VHR_CLASS=cuff"])
        #expect("\(udev.refusals[0])".contains("b-second.json: match usb 1234:5678"))
    }

    @Test func theRulesGuardRemoveAndGrantByGroupNeverBySeat() throws {
        let rules = UdevRules(catalog: try Self.repositoryCatalog()).rules
        let active = Self.active(rules)
        #expect(active.first == #"ACTION=="remove", GOTO="vhr_end""#)
        #expect(active.last == #"LABEL="vhr_end""#)
        #expect(!active.contains { $0.contains(#"TAG+="uaccess""#) })
        #expect(active.contains { $0.contains(#"TAG-="uaccess""#) })
        for subsystem in ["tty", "hidraw", "sound"] {
            #expect(
                active.contains {
                    $0.hasPrefix(#"SUBSYSTEM==""# + subsystem) && $0.contains(#"GROUP="vhr", MODE="0660""#)
                })
        }
        #expect(active.contains(#"SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", GROUP="vhr", MODE="0660", \"#))
        #expect(active.contains(#"ENV{ID_MM_DEVICE_IGNORE}="1""#))
        #expect(active.contains(#"SUBSYSTEM=="tty", GROUP="vhr", MODE="0660", SYMLINK+="vhr/$env{ID_VHR_NAME}""#))
        // Each rule line stays readable: wrapped with continuations, never a run-on line.
        #expect(rules.split(separator: "\n").allSatisfy { $0.count <= 100 })
        // Every continuation is followed by an indented line.
        let lines = rules.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where line.hasSuffix("\\") {
            #expect(lines[index + 1].hasPrefix("  "))
        }
    }

    @Test func theLocalExampleListsTheSerialProfilesAndEnrolsNothing() throws {
        let example = UdevRules(catalog: try Self.repositoryCatalog()).localExample
        #expect(Self.active(example).isEmpty, "every rule in the example is commented out")
        #expect(example.contains("#   ieee11073-serial-bp-monitor  cuff"))
        #expect(example.contains("#   suntech-advantage            cuff"))
        #expect(!example.contains("omron-hem7322u"))
        #expect(
            example.contains(
                #"#SUBSYSTEM=="tty", ENV{ID_USB_SERIAL}=="FTDI_FT232R_USB_UART_A123XYZ", "#
                    + #"ENV{ID_VHR_PROFILE}="ieee11073-serial-bp-monitor", ENV{ID_VHR_CLASS}="cuff""#))
        let none = try Self.generate(Self.profile("usb-only", [.usb(vendor: 0x1234, product: 0x0001)])).localExample
        #expect(none.contains("(none in this catalog"))
        #expect(none.contains(#"ENV{ID_VHR_PROFILE}="PROFILE""#))
    }

    @Test func simulatedProfilesMakeNoEntries() throws {
        let embedded = try EmbeddedProfiles.files.map { try DeviceProfile.decode($0.data, file: $0.name) }
        let udev = UdevRules(catalog: try ProfileCatalog(profiles: embedded))
        #expect(Self.active(udev.hwdb).isEmpty)
        #expect(!udev.rules.contains("simulated"))
        #expect(udev.files.map(\.name) == ["70-vhr.rules", "70-vhr.hwdb", "69-vhr-local.rules.example"])
    }
}
