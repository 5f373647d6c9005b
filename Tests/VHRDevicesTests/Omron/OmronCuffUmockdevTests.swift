import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem
import VHRTestSupport

/// `OmronCuff` (HEM-7322U protocol) over a real `USBInterruptLink` and libusb, against
/// `omron-7322u.umockdev` (0590:0090 at usb 1-5, interrupt IN 0x81 and OUT 0x02, 64-byte reports)
/// replaying `omron-7322u.ioctl`: begin, two 40-byte EEPROM reads holding two readings, end, unplug.
@Suite struct OmronCuffUmockdevTests {
    @Test func readsTheMemoryOfAnEmulatedHEM7322U() async throws {
        let data = try await UmockdevRun.runChildProbe(
            "OmronCuffChildProbe", fixture: UmockdevRun.fixture("omron-7322u.umockdev"),
            umockdevArguments: ["--ioctl", "/dev/bus/usb/001/010=\(UmockdevRun.fixture("omron-7322u.ioctl"))"])
        let transcript = try JSONDecoder().decode([String].self, from: data)
        #expect(
            transcript == [
                "connected", "130/85 (100) pulse 70 at 2024-03-05T09:30:00Z",
                "121/79 (93) pulse 64 at 2024-03-05T09:55:00Z", "disconnected",
            ])
    }
}

/// Not a test of its own: the body `OmronCuffUmockdevTests` runs in a child under `umockdev-run`.
@Suite struct OmronCuffChildProbe {
    final class Recorder: Sendable {
        private let events = Mutex<[CuffEvent]>([])
        func record(_ event: CuffEvent) { events.withLock { $0.append(event) } }
        var all: [CuffEvent] { events.withLock { $0 } }
    }

    @Test func probe() async throws {
        let selector = USBDeviceSelector(vendorID: 0x0590, productID: 0x0090)
        guard let output = UmockdevRun.childOutputPath else {
            // On the host, as part of the whole suite: the fixture's monitor is not plugged in.
            #expect(throws: DeviceError.self) { try USBInterruptLink(selector: selector).open() }
            return
        }
        let info = DeviceInfo(
            id: "omron", kind: .bloodPressureCuff, profile: "omron-hem7322u", model: "HEM-7322U", transport: "usb",
            simulated: false)
        let cuff = try OmronCuff(
            info: info,
            settings: OmronCuff.Settings(model: .hem7322u, pollInterval: 3600, timeZone: "UTC", recordSlots: 4),
            link: { USBInterruptLink(selector: selector) })
        let recorder = Recorder()
        try await cuff.start { recorder.record($0) }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while !recorder.all.contains(.disconnected), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await cuff.stop()
        let iso = ISO8601DateFormatter()
        let transcript = recorder.all.prefix(4).map { event -> String in
            switch event {
            case .completed(let r):
                "\(r.systolic)/\(r.diastolic) (\(r.meanArterial)) pulse \(r.pulse) at \(iso.string(from: r.measuredAt))"
            default: "\(event)"
            }
        }
        try JSONEncoder().encode(Array(transcript)).write(to: URL(fileURLWithPath: output))
    }
}
