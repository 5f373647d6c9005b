import Foundation
import Testing
import VHRCore
import VHRDevices

/// The registry of device families: every shipped profile has a family this build drives, and a
/// room's `[device]` sections become the right drivers or a clear error.
@Suite struct DeviceFactoryTests {
    static let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("DeviceProfiles")

    static func catalog() throws -> ProfileCatalog {
        let names = try FileManager.default.contentsOfDirectory(atPath: profilesDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        let files = try names.map { ($0, try Data(contentsOf: profilesDirectory.appendingPathComponent($0))) }
        return try ProfileCatalog.load(files: files, knownFamilies: DeviceFactory.knownFamilies)
    }

    static func room(_ device: String) throws -> RoomConfig {
        try RoomConfig.parse("[room]\nname = test\n\n[device cuff]\n" + device, file: "vhrd.conf")
    }

    @Test func everyShippedProfileHasAFamilyThisBuildDrives() throws {
        let catalog = try Self.catalog()
        #expect(catalog.all.count >= 8)
        for profile in catalog.all {
            #expect(DeviceFactory.knownFamilies.contains(profile.family), "\(profile.id)")
        }
    }

    @Test(arguments: [
        ("profile = ieee11073-phdc-bp-monitor", "PHDCuff"),
        ("profile = ieee11073-phdc-bp-monitor\nusb-serial = SN1\nusb-location = usb 1-3", "PHDCuff"),
        ("profile = ieee11073-serial-bp-monitor\nport = /dev/vhr/bp", "PHDCuff"),
        ("profile = suntech-advantage\nport = /dev/vhr/suntech\npatient-mode = adult", "SunTechCuff"),
        ("profile = omron-hem7322u", "OmronCuff"),
        ("profile = omron-hem790it\nusb-serial = 123", "OmronCuff"),
    ])
    func realCuffProfilesBecomeTheirDrivers(section: String, driver: String) throws {
        let devices = try DeviceFactory.makeDevices(for: try Self.room(section), catalog: try Self.catalog())
        #expect(devices.cuffs.count == 1)
        #expect(devices.cuffs.first.map { "\(type(of: $0))" } == driver)
        #expect(devices.cuffs.first?.info.simulated == false)
        #expect(devices.simulatedCuffs.isEmpty)
    }

    @Test(arguments: [
        ("profile = suntech-advantage", "port", "a serial cuff needs its port"),
        ("profile = suntech-advantage\nport = ttyUSB0", "port", "'ttyUSB0' is not a device path"),
        ("profile = ieee11073-serial-bp-monitor\nport = /dev/ttyS0\nusb-serial = 1", "usb-serial", "no option"),
        ("profile = omron-hem7322u\nport = /dev/ttyUSB0", "port", "no option"),
        ("profile = suntech-advantage\nport = /dev/ttyS0\npatient-mode = horse", "patient-mode", "horse"),
    ])
    func unusableRoomOptionsAreNamed(section: String, field: String, problem: String) throws {
        let error = #expect(throws: ConfigError.self) {
            try DeviceFactory.makeDevices(for: try Self.room(section), catalog: try Self.catalog())
        }
        #expect(error?.field.contains(field) == true, "\(String(describing: error))")
        #expect("\(String(describing: error))".contains(problem), "\(String(describing: error))")
        #expect(error?.fix.isEmpty == false)
    }
}
