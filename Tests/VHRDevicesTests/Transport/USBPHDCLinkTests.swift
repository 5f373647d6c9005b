import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem
import VHRTestSupport

/// `USBPHDCLink` against the fake PHDC blood-pressure monitor of `Tests/Fixtures/umockdev/`
/// (`phdc-bpm.umockdev`, 1209:0002 at usb 1-2), one recording per scenario, each run by
/// ``USBPHDCLinkChildProbe`` in a child process under `umockdev-run`.
@Suite struct USBPHDCLinkTests {
    static let node = "/dev/bus/usb/001/007"
    static let sysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"

    static func run(_ scenario: String, recording: [String]) async throws -> [String] {
        let data = try await UmockdevRun.runChildProbe(
            "USBPHDCLinkChildProbe", fixture: UmockdevRun.fixture("phdc-bpm.umockdev"), umockdevArguments: recording,
            environment: [USBPHDCLinkChildProbe.scenarioVariable: scenario])
        return try JSONDecoder().decode([String].self, from: data)
    }

    static func ioctl(_ file: String) -> [String] { ["--ioctl", "\(node)=\(UmockdevRun.fixture(file))"] }

    /// The whole session of `phdc-session.ioctl` driven by the pure manager: every OUT transfer the
    /// recording expects is what `ManagerStateMachine` answers (a different byte fails the write).
    @Test func aManagerOverTheLinkAssociatesLearnsTheConfigurationAndGetsTwoReadings() async throws {
        let transcript = try await Self.run("manager", recording: Self.ioctl("phdc-session.ioctl"))
        #expect(
            transcript == [
                "open usb 1-2 (0x0f PHDC) in 0x81 out 0x01",
                "sent AARE",
                "sent PRST",
                "learned 0x4000 from 00220922580803cc",
                "sent PRST",
                "readings bp 113/71/85 mmHg 2010-07-21 15:35:53; pulse 71",
                "sent PRST",
                "readings bp 122/78/93 mmHg 2010-07-21 15:40:10; pulse 64",
                "sent RLRE",
                "disassociated",
                "receive disconnected",
                "send disconnected",
            ])
    }

    /// APDUs split across transfers, and a transfer holding the end of one and the start of the next:
    /// `receive` hands over each transfer as it came, and the framer puts the APDUs back together.
    @Test func shortTransfersArriveAsTheyCameAndReassemble() async throws {
        let transcript = try await Self.run("frames", recording: Self.ioctl("phdc-short.ioctl"))
        #expect(
            transcript == [
                "in 20", "in 34", "APDU AARQ 54", "sent AARE", "in 64", "in 126", "APDU PRST 180", "in 76",
                "APDU PRST 86", "receive disconnected",
            ])
    }

    /// Bytes that are no APDU reach the driver unchanged, where decoding rejects them.
    @Test func garbageIsPassedOnForTheDecoderToReject() async throws {
        let transcript = try await Self.run("garbage", recording: Self.ioctl("phdc-garbage.ioctl"))
        #expect(
            transcript == [
                "in 48454c4c4f0d0a", "not an APDU", "in ffff0004deadbeef", "not an APDU", "in 54 AARQ",
                "receive disconnected",
            ])
    }

    /// Unplugged in the middle of a scan report: the error is `.disconnected`, the manager drops
    /// the association and the partial APDU, and the link opens again once the device is there.
    @Test func unplugMidReportLeavesNoStuckState() async throws {
        let transcript = try await Self.run("unplug", recording: Self.ioctl("phdc-unplug.ioctl"))
        #expect(
            transcript == [
                "sent AARE", "sent PRST", "learned 0x4000 from 00220922580803cc", "receive disconnected",
                "disassociated", "pending 0", "state disconnected",
                "send disconnected", "reopened usb 1-2 (0x0f PHDC)",
            ])
    }

    /// A device that never answers: receive waits out its timeout and returns nothing; a send
    /// that is never taken times out; `close()` from another thread ends a long receive at once.
    @Test func aSilentDeviceTimesOutAndCloseEndsAWaitingReceive() async throws {
        let transcript = try await Self.run(
            "silent", recording: ["--pcap", "\(Self.sysfs)=\(UmockdevRun.fixture("phdc-silent.pcap"))"])
        #expect(transcript == ["receive 0 bytes", "send timedOut", "closed receive 0 bytes"])
    }

    /// End to end: the PHD driver over this link under umockdev, as the room runs it.
    @Test func phdCuffOverUSBPHDCLinkUnderUmockdevYieldsCompletedWithTheTwoReadings() async throws {
        let data = try await UmockdevRun.runChildProbe(
            "USBPHDCLinkChildProbe", fixture: UmockdevRun.fixture("phdc-bpm.umockdev"),
            umockdevArguments: Self.ioctl("phdc-session.ioctl"),
            environment: [USBPHDCLinkChildProbe.scenarioVariable: "phdcuff"])
        let transcript = try JSONDecoder().decode([String].self, from: data)
        #expect(
            transcript == [
                "connected", "completed 113/71/85 pulse 71 at 2010-07-21T15:35:53Z",
                "completed 122/78/93 pulse 64 at 2010-07-21T15:40:10Z",
            ])
    }

    @Test func anAbsentDeviceIsNotFound() async throws {
        let transcript = try await Self.run("absent", recording: Self.ioctl("phdc-session.ioctl"))
        #expect(transcript == ["notFound: libusb find 1209:7777 class 0x0f: Entity not found (LIBUSB_ERROR_NOT_FOUND)"])
    }
}

/// Not a test of its own: the scenarios `USBPHDCLinkTests` runs in a child under `umockdev-run`.
@Suite struct USBPHDCLinkChildProbe {
    static let scenarioVariable = "VHR_USB_LINK_SCENARIO"
    static let managerSystemID: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]

    @Test func probe() async throws {
        guard let output = UmockdevRun.childOutputPath,
            let scenario = ProcessInfo.processInfo.environment[Self.scenarioVariable]
        else {
            // On the host, as part of the whole suite: the fixture's device is not plugged in.
            let link = USBPHDCLink(selector: USBDeviceSelector(vendorID: 0x1209, productID: 0x0002))
            #expect(throws: DeviceError.self) { try link.open() }
            do { try link.open() } catch { #expect(error.code == .notFound) }
            return
        }
        let transcript =
            scenario == "phdcuff"
            ? try await Self.runPHDCuff() : try await onDedicatedThread("usb-probe") { try Self.run(scenario) }
        try JSONEncoder().encode(transcript).write(to: URL(fileURLWithPath: output))
    }

    /// Runs `PHDCuff` over the link until it completed two measurements (at most 60 s).
    static func runPHDCuff() async throws -> [String] {
        let info = DeviceInfo(
            id: "phd", kind: .bloodPressureCuff, profile: "phdc-bpm", model: "PHDC monitor", transport: "usb",
            simulated: false)
        // The recording's AARE carries this manager system id; the monitor's clock is in UTC.
        // The reconnect delay outlasts the test: after the release the fake device unplugs, and
        // replugging would replay the recording from its start.
        let settings = PHDCuff.Settings(managerSystemID: "1122334455667788", reconnectDelay: 600, timeZone: "UTC")
        let cuff = try PHDCuff(info: info, settings: settings) {
            USBPHDCLink(selector: USBDeviceSelector(vendorID: 0x1209, productID: 0x0002))
        }
        let events = Mutex<[CuffEvent]>([])
        try await cuff.start { event in events.withLock { $0.append(event) } }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < deadline {
            let completed = events.withLock { $0.filter { if case .completed = $0 { true } else { false } }.count }
            if completed >= 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await cuff.stop()
        let formatter = ISO8601DateFormatter()
        var transcript: [String] = []
        for event in events.withLock({ $0 }) {
            switch event {
            case .connected: transcript.append("connected")
            case .completed(let reading):
                transcript.append(
                    "completed \(reading.systolic)/\(reading.diastolic)/\(reading.meanArterial) pulse \(reading.pulse)"
                        + " at \(formatter.string(from: reading.measuredAt))")
            case .failed(let failure): transcript.append("failed \(failure)")
            default: break
            }
            if transcript.filter({ $0.hasPrefix("completed") }).count == 2 { break }
        }
        return transcript
    }

    static func run(_ scenario: String) throws -> [String] {
        let link = USBPHDCLink()
        var transcript: [String] = []
        if scenario == "absent" {
            do {
                try USBPHDCLink(selector: USBDeviceSelector(vendorID: 0x1209, productID: 0x7777)).open()
                transcript.append("opened")
            } catch {
                transcript.append("\(error.code): \(error.message)")
            }
            return transcript
        }
        try link.open()
        defer { link.close() }
        switch scenario {
        case "manager", "unplug":
            if scenario == "manager" {
                let endpoints = try #require(link.endpoints)
                transcript.append(
                    "open \(link.endpointDescription) in 0x\(hex([endpoints.input.address])) "
                        + "out 0x\(hex([endpoints.output.address]))")
            }
            var machine = ManagerStateMachine(managerSystemID: managerSystemID)
            var framer = APDUFramer()
            _ = machine.handle(.connected)
            do {
                session: while true {
                    let bytes = try link.receive(timeout: .seconds(5))
                    for frame in try framer.append(bytes) {
                        for action in machine.handle(.received(try APDU.decode(frame))) {
                            transcript += try perform(action, on: link)
                            if case .disassociated = action { break session }
                        }
                    }
                }
                _ = try link.receive(timeout: .seconds(5))
                transcript.append("receive returned")
            } catch let error as DeviceError {
                transcript.append("receive \(error.code)")
                if scenario == "unplug" {
                    for action in machine.handle(.disconnected) { transcript += try perform(action, on: link) }
                    framer.reset()
                    transcript.append("pending \(framer.pending)")
                    transcript.append("state \(machine.state)")
                }
            }
            do {
                try link.send([0xE4, 0, 0, 2, 0, 0], timeout: .seconds(1))
                transcript.append("send returned")
            } catch {
                transcript.append("send \(error.code)")
            }
            if scenario == "unplug" {
                link.close()
                try link.open()
                transcript.append("reopened \(link.endpointDescription)")
            }
        case "frames":
            var framer = APDUFramer()
            do {
                while true {
                    let bytes = try link.receive(timeout: .seconds(5))
                    transcript.append("in \(bytes.count)")
                    for frame in try framer.append(bytes) {
                        let apdu = try APDU.decode(frame)
                        transcript.append("APDU \(apdu.name) \(frame.count)")
                        if case .associationRequest = apdu {
                            try link.send(
                                ManagerStateMachineAnswers.aare(managerSystemID: managerSystemID), timeout: .seconds(1))
                            transcript.append("sent AARE")
                        }
                    }
                }
            } catch let error as DeviceError {
                transcript.append("receive \(error.code)")
            }
        case "garbage":
            do {
                while true {
                    let bytes = try link.receive(timeout: .seconds(5))
                    if let apdu = try? APDU.decode(bytes) {
                        transcript.append("in \(bytes.count) \(apdu.name)")
                    } else {
                        transcript.append("in \(hex(bytes))")
                        transcript.append("not an APDU")
                    }
                }
            } catch {
                transcript.append("receive \(error.code)")
            }
        case "silent":
            transcript.append("receive \(try link.receive(timeout: .milliseconds(300)).count) bytes")
            do {
                try link.send([0xE4, 0, 0, 2, 0, 0], timeout: .milliseconds(300))
                transcript.append("send returned")
            } catch {
                transcript.append("send \(error.code)")
            }
            let closer = try DedicatedThread(name: "usb-closer") {
                usleep(300_000)
                link.close()
            }
            // Far longer than the child's own time limit: only close() can end it in time.
            let bytes = try link.receive(timeout: .seconds(3600))
            closer.join()
            transcript.append("closed receive \(bytes.count) bytes")
        default:
            transcript.append("unknown scenario \(scenario)")
        }
        return transcript
    }

    /// Carries out one manager action on the link and says what happened.
    static func perform(_ action: ManagerStateMachine.Action, on link: USBPHDCLink) throws -> [String] {
        switch action {
        case .send(let apdu):
            try link.send(apdu.encode(), timeout: .seconds(1))
            return ["sent \(apdu.name)"]
        case .configurationLearned(let systemID, let configuration):
            return [
                "learned 0x\(hex([UInt8(configuration.id >> 8), UInt8(configuration.id & 0xFF)])) from \(hex(systemID))"
            ]
        case .readings(let readings, _):
            return ["readings " + readings.compactMap(describe).joined(separator: "; ")]
        case .disassociated:
            return ["disassociated"]
        case .problem(let text):
            return ["problem \(text)"]
        case .startTimer, .stopTimer, .associated:
            return []
        }
    }

    static func describe(_ reading: PHDReading) -> String? {
        let values = reading.values.map { $0.double.map { String(Int($0)) } ?? "\($0)" }
        switch reading.kind {
        case .bloodPressure:
            let time = reading.time.map {
                String(
                    format: " %04d-%02d-%02d %02d:%02d:%02d", $0.year, $0.month, $0.day, $0.hour, $0.minute, $0.second)
            }
            return "bp " + values.joined(separator: "/") + " mmHg" + (time ?? "")
        case .pulseRate: return "pulse \(values[0])"
        case .other: return nil
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// What the manager answers to the recordings' AARQ, for scenarios that do not run the whole machine.
enum ManagerStateMachineAnswers {
    static func aare(managerSystemID: [UInt8]) throws -> [UInt8] {
        var machine = ManagerStateMachine(managerSystemID: managerSystemID)
        _ = machine.handle(.connected)
        let aarq = try APDU.decode(
            Array(
                hexString:
                    "e2000032800000000001002a50790026800000008000800000000000000000800000000800220922580803cc40000001010000000000"
            )!)
        for case .send(let apdu) in machine.handle(.received(aarq)) { return apdu.encode() }
        throw DeviceError(.internalError, "the manager did not answer the AARQ")
    }
}

extension Array where Element == UInt8 {
    init?(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            guard let next = hexString.index(index, offsetBy: 2, limitedBy: hexString.endIndex),
                let byte = UInt8(hexString[index..<next], radix: 16)
            else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
