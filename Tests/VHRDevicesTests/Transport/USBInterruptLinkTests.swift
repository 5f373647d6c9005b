import Foundation
import Testing
import VHRCore
import VHRDevices
import VHRSystem
import VHRTestSupport

/// `USBInterruptLink` against `hid-cuff.umockdev` (1209:0003 at usb 1-4, interrupt IN 0x81 and
/// OUT 0x02, 8-byte reports) replaying libomron's VER00 exchange from `hid-cuff.ioctl`.
@Suite struct USBInterruptLinkTests {
    @Test func sendsAReportAndReceivesOneReportPerCall() async throws {
        let data = try await UmockdevRun.runChildProbe(
            "USBInterruptLinkChildProbe", fixture: UmockdevRun.fixture("hid-cuff.umockdev"),
            umockdevArguments: ["--ioctl", "/dev/bus/usb/001/009=\(UmockdevRun.fixture("hid-cuff.ioctl"))"])
        let transcript = try JSONDecoder().decode([String].self, from: data)
        #expect(
            transcript == [
                "open usb 1-4 (0x03 HID) in 0x81/8 out 0x02", "sent", "074f4b004d373038", "0730495420323037",
                "014a000000000000", "receive disconnected", "send disconnected",
            ])
    }

    @Test func describesItsSelectorBeforeOpening() {
        let link = USBInterruptLink(selector: USBDeviceSelector(vendorID: 0x0590, productID: 0x0028))
        #expect(link.endpointDescription == "usb 0590:0028 class 0x03 (0x03 HID)")
        #expect(link.endpoints == nil)
    }
}

/// Not a test of its own: the body `USBInterruptLinkTests` runs in a child under `umockdev-run`.
@Suite struct USBInterruptLinkChildProbe {
    @Test func probe() async throws {
        let link = USBInterruptLink(selector: USBDeviceSelector(vendorID: 0x1209, productID: 0x0003))
        guard let output = UmockdevRun.childOutputPath else {
            // On the host, as part of the whole suite: the fixture's device is not plugged in.
            do {
                try link.open()
                Issue.record("opened a device that exists only in the fixture")
            } catch {
                #expect(error.code == .notFound)
            }
            return
        }
        let transcript = try await onDedicatedThread("usb-probe") { () throws -> [String] in
            try link.open()
            defer { link.close() }
            let endpoints = try #require(link.endpoints)
            var transcript = [
                "open \(link.endpointDescription) in 0x\(hex([endpoints.input.address]))/\(endpoints.input.maxPacketSize)"
                    + " out 0x\(hex([endpoints.output?.address ?? 0]))"
            ]
            // libomron's VER00 command, padded to the report size.
            try link.send([0x05, 0x56, 0x45, 0x52, 0x30, 0x30, 0, 0], timeout: .seconds(1))
            transcript.append("sent")
            do throws(DeviceError) {
                while true { transcript.append(hex(try link.receive(timeout: .seconds(5)))) }
            } catch {
                transcript.append("receive \(error.code)")
            }
            do throws(DeviceError) {
                try link.send([0x05, 0x56, 0x45, 0x52, 0x30, 0x30, 0, 0], timeout: .seconds(1))
            } catch {
                transcript.append("send \(error.code)")
            }
            return transcript
        }
        try JSONEncoder().encode(transcript).write(to: URL(fileURLWithPath: output))
    }

    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
