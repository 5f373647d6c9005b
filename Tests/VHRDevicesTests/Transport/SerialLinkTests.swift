import Foundation
import Glibc
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem
import VHRTestSupport

/// What a SunTech measurement over a serial link delivered, as the umockdev child reports it.
private struct MeasurementSummary: Codable, Equatable {
    var pressures: [Double]
    var phases: [String]
    var reading: [Int]?
    var failure: String?
    var connectedCount: Int
}

/// `Tests/Fixtures/umockdev/suntech-measurement.script`.
private let scriptFixture = UmockdevRun.fixture("suntech-measurement.script")

/// Runs one SunTech measurement over a ``SerialLink`` to `path` and summarises its events.
private func measure(onPort path: String) async throws -> MeasurementSummary {
    // Long response timeout: a script replay has no room for a resent command.
    let settings = SunTechCuff.Settings(
        pollInterval: .milliseconds(10), responseTimeout: .seconds(20), retries: 0, idlePoll: .milliseconds(20))
    let info = DeviceInfo(
        id: "cuff", kind: .bloodPressureCuff, profile: "suntech-advantage", model: "SunTech Advantage",
        transport: "serial", simulated: false)
    let events = Mutex<[CuffEvent]>([])
    let cuff = SunTechCuff(
        info: info, link: SerialLink(path: path), settings: settings,
        now: { Date(timeIntervalSince1970: 1_800_000_000) })
    try await cuff.start { event in events.withLock { $0.append(event) } }
    try await cuff.startMeasurement()
    let deadline = ContinuousClock.now + .seconds(60)
    func outcome() -> CuffEvent? {
        events.withLock { events in
            events.last { event in
                switch event {
                case .completed, .failed: true
                default: false
                }
            }
        }
    }
    while outcome() == nil && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(5))
    }
    await cuff.stop()
    let delivered = events.withLock { $0 }
    var summary = MeasurementSummary(
        pressures: [], phases: [], reading: nil, failure: nil,
        connectedCount: delivered.filter { $0 == .connected }.count)
    for event in delivered {
        switch event {
        case .pressure(let pressure):
            summary.pressures.append(pressure.pressure)
            summary.phases.append(pressure.phase.rawValue)
        case .completed(let reading):
            summary.reading = [reading.systolic, reading.diastolic, reading.meanArterial, reading.pulse]
        case .failed(let failure):
            summary.failure = failure.rawValue
        default:
            break
        }
    }
    return summary
}

private let expectedSummary = MeasurementSummary(
    pressures: [60, 150, 258, 200, 120], phases: ["inflating", "inflating", "inflating", "deflating", "deflating"],
    reading: [115, 74, 88, 85], failure: nil, connectedCount: 1)

/// Plays an umockdev script (`w`: expect these bytes from the host, `r`: send these) on the
/// controlling end of a pty, so the script fixture itself is checked without umockdev.
private final class ScriptPlayer: Sendable {
    enum Step: Equatable {
        case expect([UInt8])
        case send([UInt8])
    }

    let pty: PseudoTerminal
    private let failure = Mutex<String?>(nil)
    private let finished = Atomic<Bool>(false)
    private let thread = Mutex<DedicatedThread?>(nil)

    /// The steps of a script file, its `^` escapes decoded (umockdev's `docs/script-format.txt`).
    static func steps(of file: String) throws -> [Step] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        var steps: [Step] = []
        for line in data.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let operation = fields.first?.first else { continue }
            var bytes: [UInt8] = []
            var index = fields[2].startIndex
            while index < fields[2].endIndex {
                let byte = fields[2][index]
                if byte == UInt8(ascii: "^") {
                    index = fields[2].index(after: index)
                    let next = fields[2][index]
                    bytes.append(next == UInt8(ascii: "`") ? UInt8(ascii: "^") : next - 64)
                } else {
                    bytes.append(byte)
                }
                index = fields[2].index(after: index)
            }
            switch operation {
            case UInt8(ascii: "w"): steps.append(.expect(bytes))
            case UInt8(ascii: "r"): steps.append(.send(bytes))
            default: break
            }
        }
        return steps
    }

    init(steps: [Step]) throws {
        pty = try PseudoTerminal.open()
        // Packet mode: the host's flush on opening shows up here as a status byte, so the
        // player knows when bytes it sends will no longer be thrown away.
        var on: CInt = 1
        guard ioctl(pty.controller.rawValue, UInt(TIOCPKT), &on) == 0 else { throw Errno(rawValue: errno) }
        let thread = try DedicatedThread(name: "script-player") { [self] in self.play(steps) }
        self.thread.withLock { $0 = thread }
    }

    var problem: String? { failure.withLock { $0 } }
    var isFinished: Bool { finished.load(ordering: .acquiring) }

    func close() {
        thread.withLock { $0.take() }?.join()
        pty.controller.closeIgnoringErrors()
    }

    private func play(_ steps: [Step]) {
        let deadline = ContinuousClock.now + .seconds(30)
        var opened = false
        var pending: [UInt8] = []
        // One packet-mode read: data (after a 0 byte) or a status byte.
        func readPacket() {
            var descriptor = pollfd(fd: pty.controller.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 20) > 0 else { return }
            guard case .value(let packet) = try? pty.controller.read(upToCount: 4097), let status = packet.first else {
                // EIO while the host has the port closed.
                usleep(2000)
                return
            }
            if status == 0 {
                pending += packet.dropFirst()
            } else if status & CUnsignedChar(TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE) != 0 {
                opened = true
            }
        }
        while !opened && ContinuousClock.now < deadline { readPacket() }
        for step in steps {
            switch step {
            case .send(let bytes):
                try? pty.controller.writeAll(bytes)
            case .expect(let expected):
                while pending.count < expected.count && ContinuousClock.now < deadline { readPacket() }
                let got = Array(pending.prefix(expected.count))
                pending.removeFirst(got.count)
                guard got == expected else {
                    failure.withLock { $0 = "expected \(expected), got \(got) (host opened: \(opened))" }
                    finished.store(true, ordering: .releasing)
                    return
                }
            }
        }
        finished.store(true, ordering: .releasing)
    }
}

@Suite struct SerialLinkTests {
    @Test func opensSendsReceivesAndReportsAnUnplug() throws {
        let pty = try PseudoTerminal.open()
        let link = SerialLink(path: pty.terminalPath)
        #expect(link.endpointDescription == "\(pty.terminalPath) (9600 8N1)")
        // Not open yet: nothing to read from.
        #expect(throws: DeviceError.self) { try link.receive(timeout: .zero) }
        try link.open()
        try link.send([0x3A, 0x20, 0xA6], timeout: .seconds(5))
        var sent: [UInt8] = []
        while sent.count < 3, case .value(let chunk) = try pty.controller.read(upToCount: 3 - sent.count) {
            sent += chunk
        }
        #expect(sent == [0x3A, 0x20, 0xA6])
        try pty.controller.writeAll([0x3E, 0x04, 0x4F, 0x6F])
        var received: [UInt8] = []
        while received.count < 4 {
            let chunk = try link.receive(timeout: .seconds(10))
            guard !chunk.isEmpty else { break }
            received += chunk
        }
        #expect(received == [0x3E, 0x04, 0x4F, 0x6F])
        #expect(try link.receive(timeout: .milliseconds(10)) == [])

        pty.controller.closeIgnoringErrors()
        do {
            _ = try link.receive(timeout: .seconds(10))
            Issue.record("a hung-up port still read")
        } catch {
            #expect(error.code == .disconnected)
        }
        link.close()
        link.close()
        do {
            try link.open()
            Issue.record("a removed pty opened")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.hint?.contains("plugged in") == true)
        }
    }

    @Test func closeFromAnotherThreadEndsABlockedReceive() throws {
        let pty = try PseudoTerminal.open()
        defer { pty.controller.closeIgnoringErrors() }
        let link = SerialLink(path: pty.terminalPath)
        try link.open()
        let outcome = Mutex<DeviceError.Code?>(nil)
        let reader = try DedicatedThread(name: "link-test") {
            do throws(DeviceError) {
                _ = try link.receive(timeout: .seconds(60))
            } catch {
                outcome.withLock { $0 = error.code }
            }
        }
        usleep(20_000)
        link.close()
        reader.join()
        #expect(outcome.withLock { $0 } == .disconnected)
    }

    @Test func errorsMapToTheDeviceCodesTheRoomKnows() {
        let cases: [(SerialDeviceError.Kind, String, DeviceError.Code)] = [
            (.notFound, "open", .notFound), (.permissionDenied, "open", .permissionDenied), (.busy, "open", .busy),
            (.disconnected, "read", .disconnected), (.closed, "read", .disconnected),
            (.unsupportedSettings, "open", .notSupported), (.notATerminal, "open", .notSupported),
            (.timedOut, "write", .write), (.io, "read", .read), (.io, "write", .write),
        ]
        for (kind, operation, code) in cases {
            let error = SerialLink.deviceError(SerialDeviceError(kind, path: "/dev/ttyUSB0", operation: operation))
            #expect(error.code == code)
            #expect(error.message.contains("/dev/ttyUSB0") && error.hint != nil)
        }
        let denied = SerialLink.deviceError(
            SerialDeviceError(.permissionDenied, path: "/dev/ttyUSB0", operation: "open"))
        #expect(denied.hint?.contains("group vhr") == true)
    }

    /// The SunTech measurement the umockdev script holds, played on a pty: the script's bytes are
    /// exactly what the driver writes and reads.
    @Test func theUmockdevScriptIsTheDriversConversation() async throws {
        let steps = try ScriptPlayer.steps(of: scriptFixture)
        #expect(steps.first == .expect(SunTechCommand.startAdult.bytes))
        #expect(steps.count == 16)
        let player = try ScriptPlayer(steps: steps)
        let summary = try await measure(onPort: player.pty.terminalPath)
        #expect(summary == expectedSummary)
        #expect(player.isFinished && player.problem == nil, "\(player.problem ?? "the script did not run to its end")")
        player.close()
    }

    /// IEEE 11073-20601 over serial uses the APDU header as framing: the PHD driver's standard
    /// session (`Tests/Fixtures/bp/sessions/standard-config.session`), played by an agent on a pty.
    @Test func aPHDSessionRunsOverASerialLink() async throws {
        let session = ScriptedLink(session: "standard-config").steps
        let steps = session.compactMap { entry -> ScriptPlayer.Step? in
            switch entry.step {
            case .agent(let bytes): .send(bytes)
            case .manager(let bytes): .expect(bytes)
            default: nil
            }
        }
        #expect(steps.count == session.count && steps.count == 6)
        let player = try ScriptPlayer(steps: steps)
        let base = Date(timeIntervalSince1970: 1_709_632_800)
        let system = PHDCuff.Timing.system
        let cuff = try PHDCuff(
            info: DeviceInfo(
                id: "cuff", kind: .bloodPressureCuff, profile: "ieee11073-bp-cuff", model: "test monitor",
                transport: "serial", simulated: false),
            settings: PHDCuff.Settings(managerSystemID: "1122334455667788", timeZone: "UTC"),
            link: { [path = player.pty.terminalPath] in SerialLink(path: path) },
            timing: PHDCuff.Timing(now: system.now, wallClock: { base }, sleep: system.sleep))
        let events = Mutex<[CuffEvent]>([])
        try await cuff.start { event in events.withLock { $0.append(event) } }
        let deadline = ContinuousClock.now + .seconds(60)
        while !player.isFinished && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        await cuff.stop()
        #expect(player.isFinished && player.problem == nil, "\(player.problem ?? "the session did not run to its end")")
        let reading = BloodPressureReading(
            systolic: 120, diastolic: 80, meanArterial: 100, pulse: 60,
            measuredAt: ISO8601DateFormatter().date(from: "2007-12-06T12:10:00Z")!, clock: .device,
            source: DeviceSource(systemID: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x07]))
        #expect(events.withLock { $0 } == [.connected, .completed(reading)])
        player.close()
    }

    /// `umockdev-run --device cuff-serial.umockdev --script /dev/ttyUSB0=suntech-measurement.script`:
    /// the driver opens the FTDI adapter's tty by its /dev path, as on a kiosk, and measures.
    @Test func aMeasurementRunsOnAUmockdevTTY() async throws {
        let data = try await UmockdevRun.runChildProbe(
            "SunTechUmockdevChildProbe", fixture: UmockdevRun.fixture("cuff-serial.umockdev"),
            umockdevArguments: ["--script", "/dev/ttyUSB0=\(scriptFixture)"])
        #expect(try JSONDecoder().decode(MeasurementSummary.self, from: data) == expectedSummary)
    }
}

/// The child side of ``SerialLinkTests/aMeasurementRunsOnAUmockdevTTY()``, started inside
/// `umockdev-run` with `--filter SunTechUmockdevChildProbe`.
@Suite struct SunTechUmockdevChildProbe {
    @Test func probe() async throws {
        if let output = UmockdevRun.childOutputPath {
            let summary = try await measure(onPort: "/dev/ttyUSB0")
            try JSONEncoder().encode(summary).write(to: URL(fileURLWithPath: output))
        } else {
            // Run with the whole suite, outside umockdev: there is no such port here, and the
            // driver must say so rather than hang.
            let link = SerialLink(path: "/dev/vhr-no-such-ttyUSB0")
            #expect(throws: DeviceError.self) { try link.open() }
        }
    }
}
