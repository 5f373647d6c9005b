import Foundation
import Testing
import VHRCore
import VHRSystem
import VHRTestSupport

@Suite struct LibUSBContextTests {
    /// `Tests/Fixtures/umockdev/bpcuff.umockdev`: a vendor-specific cuff (1209:0001) in port 3
    /// of bus 1 at address 5, behind the bus's root hub (1d6b:0002, address 1).
    @Test func listsTheFakeCuffUnderUmockdev() async throws {
        let data = try await UmockdevRun.runChildProbe(
            "USBUmockdevChildProbe", fixture: UmockdevRun.fixture("bpcuff.umockdev"))
        let devices = try JSONDecoder().decode([USBDeviceDescription].self, from: data)
        #expect(devices.count == 2)

        let cuff = try #require(devices.first { $0.vendorID == 0x1209 })
        #expect(cuff.productID == 0x0001)
        #expect(cuff.bus == 1)
        #expect(cuff.address == 5)
        #expect(cuff.portPath == [3])
        #expect(cuff.location == "usb 1-3")
        #expect(cuff.deviceClass == 0)
        #expect(cuff.interfaceClasses == [0xff])
        // umockdev has no answers for control transfers without a recording, so the strings
        // cannot be read: the ids stay and the reason is recorded, as for a device we may not open.
        #expect(cuff.product == nil && cuff.manufacturer == nil && cuff.serialNumber == nil)
        let reason = try #require(cuff.stringsError)
        #expect(reason.device == "usb 1-3")
        #expect(reason.operation == "open" || reason.operation.hasPrefix("read string descriptor"))

        let hub = try #require(devices.first { $0.vendorID == 0x1d6b })
        #expect(hub.productID == 0x0002)
        #expect((hub.bus, hub.address) == (1, 1))
        #expect(hub.portPath.isEmpty)
        #expect(hub.location == "usb 1")
        #expect(hub.deviceClass == 9)
        #expect(hub.interfaceClasses == [9])

        let item = cuff.hardwareItem
        #expect(item.kind == .usb && item.location == "usb 1-3")
        #expect(item.vendorID == 0x1209 && item.productID == 0x0001)
        #expect(item.note?.hasPrefix("strings not read: libusb ") == true)
    }

    @Test func locationFollowsTheKernelsNaming() {
        func device(bus: UInt8, ports: [UInt8]) -> USBDeviceDescription {
            USBDeviceDescription(
                bus: bus, address: 9, portPath: ports, vendorID: 1, productID: 2, deviceClass: 0, interfaceClasses: [])
        }
        #expect(device(bus: 2, ports: []).location == "usb 2")
        #expect(device(bus: 1, ports: [3]).location == "usb 1-3")
        #expect(device(bus: 3, ports: [1, 4, 2]).location == "usb 3-1.4.2")
    }

    @Test func readableStringsBecomeTheItemsNameAndSerial() {
        let device = USBDeviceDescription(
            bus: 1, address: 7, portPath: [2], vendorID: 0x0590, productID: 0x0090, deviceClass: 0,
            interfaceClasses: [3], manufacturer: "OMRON", product: "HEM-7600T", serialNumber: "B1234")
        #expect(
            device.hardwareItem
                == HardwareItem(
                    kind: .usb, location: "usb 1-2", vendorID: 0x0590, productID: 0x0090, serialNumber: "B1234",
                    interfaceClasses: [3], name: "HEM-7600T"))
    }
}

/// Not a test of its own: the body `LibUSBContextTests` runs in a child process under
/// `umockdev-run`, selected there with `--filter USBUmockdevChildProbe`.
@Suite struct USBUmockdevChildProbe {
    @Test func probe() throws {
        let devices = try LibUSBContext().devices()
        if let output = UmockdevRun.childOutputPath {
            try JSONEncoder().encode(devices).write(to: URL(fileURLWithPath: output))
        } else {
            // Run as part of the whole suite, on the host: a real but modest check that a libusb
            // session starts and lists whatever is plugged in (often nothing) without failing,
            // and that every device it lists has a bus number.
            #expect(devices.allSatisfy { $0.bus > 0 })
        }
    }
}
