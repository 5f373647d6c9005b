import Foundation
import Testing
import VHRCore

@Suite struct HardwareInventoryTests {
    /// A catalog with one profile per kind of rule, plus look-alikes that must not match.
    static let catalog: ProfileCatalog = {
        func profile(
            _ id: String, _ kind: DeviceKind, _ transport: DeviceProfile.Transport, _ rules: [DeviceProfile.MatchRule]
        )
            -> DeviceProfile
        {
            DeviceProfile(
                id: id, name: id, vendor: "Example", kind: kind, family: "test", transport: transport, match: rules)
        }
        return try! ProfileCatalog(profiles: [
            profile("usb-cuff", .bloodPressureCuff, .usb, [.usb(vendor: 0x1209, product: 0x0001)]),
            profile(
                "ftdi-cuff", .bloodPressureCuff, .serial,
                [.serial(usbVendor: 0x0403, usbProduct: 0x6001, serialNumber: "A123XYZ")]),
            profile(
                "acm-cuff", .bloodPressureCuff, .serial,
                [.serial(usbVendor: 0x2341, usbProduct: 0x0043, serialNumber: nil)]),
            profile(
                "steth-named", .stethoscope, .alsa, [.alsa(usbVendor: 0x0d8c, usbProduct: 0x0014, cardName: "Steth")]),
            profile(
                "steth-any", .stethoscope, .alsa, [.alsa(usbVendor: 0x0d8c, usbProduct: 0x0016, cardName: nil)]),
            profile("simulated-cuff", .bloodPressureCuff, .simulated, []),
        ])
    }()

    @Test func usbRuleMatchesUSBItemsByVendorAndProduct() {
        let items = [
            HardwareItem(kind: .usb, location: "usb 1-3", vendorID: 0x1209, productID: 0x0001),
            HardwareItem(kind: .usb, location: "usb 1-4", vendorID: 0x1209, productID: 0x0002),
            HardwareItem(kind: .usb, location: "usb 1", vendorID: 0x1d6b, productID: 0x0002),
        ]
        let matched = HardwareInventory.match(items, catalog: Self.catalog)
        #expect(matched.map(\.matchedProfile) == ["usb-cuff", nil, nil])
        #expect(matched.map(\.location) == ["usb 1-3", "usb 1-4", "usb 1"], "order and other fields are kept")
    }

    @Test func usbInterfaceRuleMatchesAnyDeviceWithThatInterfaceClass() throws {
        let catalog = try ProfileCatalog(profiles: [
            DeviceProfile(
                id: "phdc", name: "phdc", vendor: "any", kind: .bloodPressureCuff, family: "test", transport: .usb,
                match: [.usbInterface(class: 0x0F)])
        ])
        let items = [
            HardwareItem(
                kind: .usb, location: "usb 1-3", vendorID: 0x1209, productID: 0x0001, interfaceClasses: [0x0F]),
            HardwareItem(
                kind: .usb, location: "usb 1-4", vendorID: 0x15A2, productID: 0x0042, interfaceClasses: [0x02, 0x0F]),
            HardwareItem(
                kind: .usb, location: "usb 1-5", vendorID: 0x1209, productID: 0x0001, interfaceClasses: [0x03]),
            HardwareItem(kind: .usb, location: "usb 1-6", vendorID: 0x1209, productID: 0x0001),
            HardwareItem(kind: .serial, location: "/dev/ttyACM0", vendorID: 0x1209, productID: 0x0001),
        ]
        let matched = HardwareInventory.match(items, catalog: catalog)
        #expect(matched.map(\.matchedProfile) == ["phdc", "phdc", nil, nil, nil])
    }

    @Test func serialRuleNeedsTheSerialNumberWhenItNamesOne() {
        let items = [
            HardwareItem(
                kind: .serial, location: "/dev/ttyUSB0", vendorID: 0x0403, productID: 0x6001, serialNumber: "A123XYZ"),
            HardwareItem(
                kind: .serial, location: "/dev/ttyUSB1", vendorID: 0x0403, productID: 0x6001, serialNumber: "OTHER"),
            HardwareItem(kind: .serial, location: "/dev/ttyUSB2", vendorID: 0x0403, productID: 0x6001),
            HardwareItem(kind: .serial, location: "/dev/ttyACM0", vendorID: 0x2341, productID: 0x0043),
            HardwareItem(
                kind: .serial, location: "/dev/ttyACM1", vendorID: 0x2341, productID: 0x0043, serialNumber: "X1"),
            HardwareItem(kind: .serial, location: "/dev/ttyS0"),
        ]
        let matched = HardwareInventory.match(items, catalog: Self.catalog)
        #expect(matched.map(\.matchedProfile) == ["ftdi-cuff", nil, nil, "acm-cuff", "acm-cuff", nil])
    }

    @Test func alsaRuleComparesTheCardIDWhenItNamesOne() {
        let items = [
            HardwareItem(kind: .alsa, location: "hw:1", vendorID: 0x0d8c, productID: 0x0014, name: "Steth"),
            HardwareItem(kind: .alsa, location: "hw:2", vendorID: 0x0d8c, productID: 0x0014, name: "Device"),
            HardwareItem(kind: .alsa, location: "hw:3", vendorID: 0x0d8c, productID: 0x0016, name: "Device"),
            HardwareItem(kind: .alsa, location: "hw:0", name: "PCH"),
        ]
        let matched = HardwareInventory.match(items, catalog: Self.catalog)
        #expect(matched.map(\.matchedProfile) == ["steth-named", nil, "steth-any", nil])
    }

    @Test func rulesOnlyMatchItemsOfTheirOwnKind() {
        // The FTDI adapter's USB device and the stethoscope's USB device carry the same ids as
        // the serial and ALSA views of them, but only the view a profile names may match.
        let items = [
            HardwareItem(kind: .usb, location: "usb 1-4", vendorID: 0x0403, productID: 0x6001, serialNumber: "A123XYZ"),
            HardwareItem(kind: .usb, location: "usb 1-5", vendorID: 0x0d8c, productID: 0x0016),
            HardwareItem(kind: .serial, location: "/dev/ttyUSB0", vendorID: 0x1209, productID: 0x0001),
            HardwareItem(kind: .alsa, location: "hw:1", vendorID: 0x1209, productID: 0x0001),
        ]
        let matched = HardwareInventory.match(items, catalog: Self.catalog)
        #expect(matched.allSatisfy { $0.matchedProfile == nil })
    }

    @Test func ambiguousMatchTakesTheFirstIDAndNamesTheOthers() throws {
        let twin = DeviceProfile(
            id: "a-twin", name: "Twin", vendor: "Example", kind: .bloodPressureCuff, family: "test", transport: .usb,
            match: [.usb(vendor: 0x1209, product: 0x0001)])
        let catalog = Self.catalog.merging(try ProfileCatalog(profiles: [twin]))
        let item = HardwareItem(
            kind: .usb, location: "usb 1-3", vendorID: 0x1209, productID: 0x0001, note: "strings not read")
        let matched = HardwareInventory.match([item], catalog: catalog)
        #expect(matched[0].matchedProfile == "a-twin")
        #expect(
            matched[0].note == "strings not read; also matches usb-cuff; name the profile in the room configuration")
    }

    @Test func rematchingReplacesAnOldMatch() {
        let stale = HardwareItem(
            kind: .usb, location: "usb 1-4", vendorID: 0x1209, productID: 0x0002, matchedProfile: "usb-cuff")
        #expect(HardwareInventory.match([stale], catalog: Self.catalog)[0].matchedProfile == nil)
    }

    @Test func profilesDecodedFromJSONMatchToo() throws {
        let json = Data(
            #"{"id": "lab-cuff", "name": "Lab cuff", "vendor": "Lab", "kind": "bp-cuff", "family": "test", "transport": "serial", "match": [{"serial": {"usbVendor": "10C4", "usbProduct": "EA60", "serialNumber": "0001"}}]}"#
                .utf8)
        let catalog = try ProfileCatalog(profiles: [try DeviceProfile.decode(json, file: "lab-cuff.json")])
        let item = HardwareItem(
            kind: .serial, location: "/dev/ttyUSB3", vendorID: 0x10c4, productID: 0xea60, serialNumber: "0001")
        #expect(HardwareInventory.match([item], catalog: catalog)[0].matchedProfile == "lab-cuff")
    }

    @Test func itemRoundTripsThroughJSON() throws {
        let item = HardwareItem(
            kind: .alsa, location: "hw:1", vendorID: 0x0d8c, productID: 0x0014, serialNumber: nil, name: "Steth",
            matchedProfile: "steth-named", note: "USB Audio Device")
        let data = try JSONEncoder().encode(item)
        #expect(try JSONDecoder().decode(HardwareItem.self, from: data) == item)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["kind"] as? String == "alsa")
        #expect(object["vendorID"] as? Int == 0x0d8c)
    }
}
