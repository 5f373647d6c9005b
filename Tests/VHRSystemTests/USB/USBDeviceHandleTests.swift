import Foundation
import Testing
import VHRSystem
import VHRTestSupport

/// `USBDeviceHandle` on the fake devices of `Tests/Fixtures/umockdev/`, each scenario run by
/// ``USBDeviceHandleChildProbe`` in a child process under `umockdev-run`.
@Suite struct USBDeviceHandleTests {
    /// The fixture's bus address and the kernel node its recordings are attached to.
    static let phdcNode = "/dev/bus/usb/001/007"
    static let phdcSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"

    static func run(
        _ scenario: String, device: String = "phdc-bpm.umockdev", recording: [String]
    ) async throws -> [String] {
        let data = try await UmockdevRun.runChildProbe(
            "USBDeviceHandleChildProbe", fixture: UmockdevRun.fixture(device), umockdevArguments: recording,
            environment: [USBDeviceHandleChildProbe.scenarioVariable: scenario])
        return try JSONDecoder().decode([String].self, from: data)
    }

    static func ioctl(_ file: String, node: String = phdcNode) -> [String] {
        ["--ioctl", "\(node)=\(UmockdevRun.fixture(file))"]
    }

    @Test func readsThePHDCInterfaceAndItsBulkEndpointsFromTheDescriptors() async throws {
        let transcript = try await Self.run("descriptors", recording: Self.ioctl("phdc-session.ioctl"))
        // The PHDC function and 11073 extension descriptors follow the interface; the QoS ones
        // belong to the endpoints they follow.
        #expect(
            transcript == [
                "by address: usb 1-2 1209:0002",
                "interface 0 class 0x0f endpoints in:0x81/bulk/64 out:0x01/bulk/64 extra 04200200063000010710",
                "by ids: usb 1-2",
                "by selector: usb 1-2",
                "absent ids: notFound find 1209:7777",
                "absent address: notFound find usb bus 1 address 99",
            ])
    }

    @Test func claimsAndMovesBulkTransfersInRecordedOrder() async throws {
        let transcript = try await Self.run("session", recording: Self.ioctl("phdc-session.ioctl"))
        #expect(transcript.count == 4)
        #expect(transcript[0] == "claimed 0")
        // The AARQ of Tests/Fixtures/bp/antidote.json (antidote.bp.aarq), then its AARE accepted.
        #expect(transcript[1].hasPrefix("in 54 e2000032"))
        #expect(transcript[2] == "out 48 ok")
        #expect(transcript[3].hasPrefix("in 180 e70000b0"))
    }

    @Test func anUnpluggedDeviceFailsWithNoDeviceAndAHint() async throws {
        let transcript = try await Self.run("unplug", recording: Self.ioctl("phdc-unplug.ioctl"))
        #expect(transcript.first == "in 54")
        #expect(transcript.last == "noDevice: the device was unplugged; plug it back in")
    }

    @Test func aDeviceThatNeverAnswersTimesOutAsAnEmptyRead() async throws {
        // A pcap replay with no packets: every URB stays pending until libusb's timeout.
        let transcript = try await Self.run(
            "silent", recording: ["--pcap", "\(Self.phdcSysfs)=\(UmockdevRun.fixture("phdc-silent.pcap"))"])
        #expect(transcript == ["in 0", "write timeout"])
    }

    @Test func movesInterruptReportsOfAHIDDevice() async throws {
        let transcript = try await Self.run(
            "hid", device: "hid-cuff.umockdev",
            recording: Self.ioctl("hid-cuff.ioctl", node: "/dev/bus/usb/001/009"))
        #expect(
            transcript == [
                "interface 0 class 0x03 in:0x81/interrupt/8 out:0x02/interrupt/8",
                "out ok", "in 074f4b004d373038", "in 0730495420323037", "in 014a000000000000", "noDevice",
            ])
    }
}

/// Not a test of its own: the scenarios `USBDeviceHandleTests` runs in a child under `umockdev-run`.
@Suite struct USBDeviceHandleChildProbe {
    static let scenarioVariable = "VHR_USB_SCENARIO"

    @Test func probe() throws {
        guard let output = UmockdevRun.childOutputPath,
            let scenario = ProcessInfo.processInfo.environment[Self.scenarioVariable]
        else {
            // On the host, as part of the whole suite: the fixture's ids are nowhere, and asking
            // for them must say so rather than open something else.
            #expect(throws: LibUSBError.self) { try LibUSBContext().openDevice(vendorID: 0x1209, productID: 0x0002) }
            return
        }
        let transcript = try Self.run(scenario)
        try JSONEncoder().encode(transcript).write(to: URL(fileURLWithPath: output))
    }

    static func run(_ scenario: String) throws -> [String] {
        let context = try LibUSBContext()
        var transcript: [String] = []
        switch scenario {
        case "descriptors":
            let handle = try context.openDevice(bus: 1, address: 7)
            transcript.append("by address: \(handle.device.location) \(ids(handle.device))")
            for interface in handle.interfaces {
                let endpoints = interface.endpoints.map { endpoint in
                    "\(endpoint.isInput ? "in" : "out"):0x\(hex([endpoint.address]))/\(endpoint.transferType.rawValue)/"
                        + "\(endpoint.maxPacketSize)"
                }
                transcript.append(
                    "interface \(interface.number) class 0x\(hex([interface.interfaceClass])) endpoints "
                        + endpoints.joined(separator: " ") + " extra \(hex(interface.extra))")
            }
            transcript.append("by ids: \(try context.openDevice(vendorID: 0x1209, productID: 0x0002).device.location)")
            let selector = USBDeviceSelector(vendorID: 0x1209, location: "usb 1-2", interfaceClass: 0x0F)
            transcript.append("by selector: \(try context.openDevice(matching: selector).device.location)")
            do {
                _ = try context.openDevice(vendorID: 0x1209, productID: 0x7777)
            } catch {
                transcript.append("absent ids: \(error.kind) \(error.operation)")
            }
            do {
                _ = try context.openDevice(bus: 1, address: 99)
            } catch {
                transcript.append("absent address: \(error.kind) \(error.operation)")
            }
        case "session":
            let handle = try context.openDevice(vendorID: 0x1209, productID: 0x0002)
            let interface = try #require(handle.interfaces.first)
            try handle.claimInterface(interface.number)
            transcript.append("claimed \(interface.number)")
            let input = try #require(interface.endpoint(.bulk, input: true))
            let output = try #require(interface.endpoint(.bulk, input: false))
            let aarq = try handle.read(from: input, maximumLength: 512, timeout: .seconds(2))
            transcript.append("in \(aarq.count) \(hex(aarq))")
            let aare = try bytes(
                "E300002C0003507900268000000080008000000000000000800000000008112233445566778800000000000000000000")
            try handle.write(aare, to: output, timeout: .seconds(2))
            transcript.append("out \(aare.count) ok")
            let config = try handle.read(from: input, maximumLength: 512, timeout: .seconds(2))
            transcript.append("in \(config.count) \(hex(config))")
            try handle.releaseInterface(interface.number)
        case "unplug":
            let handle = try context.openDevice(vendorID: 0x1209, productID: 0x0002)
            try handle.claimInterface(0)
            let input = try #require(handle.interfaces.first?.endpoint(.bulk, input: true))
            transcript.append("in \(try handle.read(from: input, maximumLength: 512, timeout: .seconds(2)).count)")
            do {
                // The recording's first IN after the AARQ that matches this read without an AARE
                // written first is the unplug (status -ENODEV) at its end.
                for _ in 0..<10 { _ = try handle.read(from: input, maximumLength: 512, timeout: .seconds(2)) }
                transcript.append("never unplugged")
            } catch {
                transcript.append("\(error.kind): \(error.hint ?? "")")
            }
        case "silent":
            let handle = try context.openDevice(vendorID: 0x1209, productID: 0x0002)
            try handle.claimInterface(0)
            let interface = try #require(handle.interfaces.first)
            let input = try #require(interface.endpoint(.bulk, input: true))
            let output = try #require(interface.endpoint(.bulk, input: false))
            transcript.append(
                "in \(try handle.read(from: input, maximumLength: 512, timeout: .milliseconds(200)).count)")
            do {
                try handle.write([0xE4, 0, 0, 2, 0, 0], to: output, timeout: .milliseconds(200))
                transcript.append("write ok")
            } catch {
                transcript.append("write \(error.kind)")
            }
        case "hid":
            let handle = try context.openDevice(bus: 1, address: 9)
            let interface = try #require(handle.interfaces.first)
            let input = try #require(interface.endpoint(.interrupt, input: true))
            let output = try #require(interface.endpoint(.interrupt, input: false))
            transcript.append(
                "interface \(interface.number) class 0x\(hex([interface.interfaceClass])) "
                    + "in:0x\(hex([input.address]))/interrupt/\(input.maxPacketSize) "
                    + "out:0x\(hex([output.address]))/interrupt/\(output.maxPacketSize)")
            try handle.claimInterface(interface.number)
            // libomron's VER00 command and the three reports of its answer.
            try handle.write([0x05, 0x56, 0x45, 0x52, 0x30, 0x30, 0, 0], to: output, timeout: .seconds(2))
            transcript.append("out ok")
            do {
                for _ in 0..<4 {
                    let report = try handle.read(from: input, maximumLength: 8, timeout: .seconds(2))
                    transcript.append("in \(hex(report))")
                }
            } catch {
                transcript.append("\(error.kind)")
            }
        default:
            transcript.append("unknown scenario \(scenario)")
        }
        return transcript
    }

    static func ids(_ device: USBDeviceDescription) -> String {
        hex([UInt8(device.vendorID >> 8), UInt8(device.vendorID & 0xFF)]) + ":"
            + hex([UInt8(device.productID >> 8), UInt8(device.productID & 0xFF)])
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func bytes(_ hex: String) throws -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(try #require(UInt8(hex[index..<next], radix: 16)))
            index = next
        }
        return result
    }
}
