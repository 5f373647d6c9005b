import Foundation
import Testing
import VHRCore
import VHRSystem
import VHRTestSupport

@Suite struct SerialPortEnumeratorTests {
    /// `Tests/Fixtures/umockdev/cuff-serial.umockdev`: an FTDI FT232R adapter (0403:6001, serial
    /// A123XYZ) whose port is /dev/ttyUSB0. libserialport reads all of it from the fake sysfs.
    @Test func listsTheFakeUSBSerialPortUnderUmockdev() async throws {
        let data = try await UmockdevRun.runChildProbe(
            "SerialUmockdevChildProbe", fixture: UmockdevRun.fixture("cuff-serial.umockdev"))
        let ports = try JSONDecoder().decode([SerialPortDescription].self, from: data)
        #expect(
            ports == [
                SerialPortDescription(
                    path: "/dev/ttyUSB0", transport: .usb, description: "FT232R USB UART - A123XYZ",
                    usbVendorID: 0x0403, usbProductID: 0x6001, usbSerialNumber: "A123XYZ", usbManufacturer: "FTDI",
                    usbProduct: "FT232R USB UART")
            ])
        #expect(
            ports.first?.hardwareItem
                == HardwareItem(
                    kind: .serial, location: "/dev/ttyUSB0", vendorID: 0x0403, productID: 0x6001,
                    serialNumber: "A123XYZ", name: "FT232R USB UART - A123XYZ"))
    }

    @Test func hostPortsAreDeviceNodesAndOnlyUSBPortsHaveUSBIDs() throws {
        let ports = try SerialPortEnumerator.ports()
        #expect(ports.map(\.path) == ports.map(\.path).sorted())
        for port in ports {
            #expect(port.path.hasPrefix("/dev/"))
            // A port libserialport lists has a node in /sys/class/tty.
            #expect(Directories.fileExists(path: "/sys/class/tty/" + port.path.dropFirst(5)))
            if port.transport != .usb {
                #expect(port.usbVendorID == nil && port.usbProductID == nil && port.usbSerialNumber == nil)
            }
        }
    }
}

/// Not a test of its own: the body `SerialPortEnumeratorTests` runs in a child process under
/// `umockdev-run`, selected there with `--filter SerialUmockdevChildProbe`.
@Suite struct SerialUmockdevChildProbe {
    @Test func probe() throws {
        let ports = try SerialPortEnumerator.ports()
        if let output = UmockdevRun.childOutputPath {
            try JSONEncoder().encode(ports).write(to: URL(fileURLWithPath: output))
        } else {
            // Run as part of the whole suite, on the host: a real but modest check that listing
            // the host's ports succeeds and gives each port a path.
            #expect(ports.allSatisfy { !$0.path.isEmpty })
        }
    }
}
