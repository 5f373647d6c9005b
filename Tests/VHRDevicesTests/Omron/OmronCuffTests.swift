import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices

@Suite struct OmronCuffTests {
    static let info = DeviceInfo(
        id: "omron", kind: .bloodPressureCuff, profile: "omron-hem7322u", model: "HEM-7322U", transport: "usb",
        simulated: false)
    /// The room's clock at the start of each run: 2024-03-05T10:00:00Z.
    static let base = Date(timeIntervalSince1970: 1_709_632_800)

    final class Recorder: Sendable {
        private let events = Mutex<[CuffEvent]>([])
        func record(_ event: CuffEvent) { events.withLock { $0.append(event) } }
        var all: [CuffEvent] { events.withLock { $0 } }
    }

    static func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    /// A reading dated by the monitor's clock unless `clock` says the room's.
    static func reading(
        _ sys: Int, _ dia: Int, _ pulse: Int, _ iso: String, clock: BloodPressureReading.Clock = .device
    ) -> BloodPressureReading {
        // The mean Omron does not report: DIA + (SYS − DIA) / 3, rounded.
        let mean = Int((Double(dia) + Double(sys - dia) / 3).rounded())
        return BloodPressureReading(
            systolic: sys, diastolic: dia, meanArterial: mean, pulse: pulse, measuredAt: date(iso), clock: clock)
    }

    // MARK: Vectors

    /// The vector `id` of `Tests/Fixtures/bp/omron-NAME.json`.
    static func vector(_ file: String, _ id: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/bp/omron-\(file).json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let vectors = try #require(root["vectors"] as? [[String: Any]])
        return try #require(vectors.first { $0["id"] as? String == id }, "no vector \(id)")
    }

    static func bytes(_ text: Any?) throws -> [UInt8] {
        try Hex.parse(try #require(text as? String))
    }

    // MARK: HEM-790IT scripts

    static let libomron = "hem790it-libomron"

    /// A mode change: the feature report, libomron's 23 zero bytes, and the monitor's OK.
    static func modeChange(_ mode: [UInt8]) -> [OmronScriptedLink.Step] {
        [.feature(mode)] + OmronHIDReport.reports(for: [UInt8](repeating: 0, count: 23)).map { .host($0) }
            + [.device([0x02, 0x4F, 0x4B, 0, 0, 0, 0, 0])]
    }

    static func command(_ command: OmronCommand, _ reply: [[UInt8]]) -> [OmronScriptedLink.Step] {
        command.reports.map { .host($0) } + reply.map { .device($0) }
    }

    /// The reports of an "OK" reply carrying `data`.
    static func okReply(_ data: [UInt8]) -> [[UInt8]] {
        OmronHIDReport.reports(for: Array("OK".utf8) + [0x00] + data + [OmronChecksum.xor([0x00] + data)])
    }

    static let noReply: [[UInt8]] = [[0x02, 0x4E, 0x4F, 0, 0, 0, 0, 0]]

    /// The 13 data bytes of a GME reply (the record without its checksum).
    static func gme(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ sys: Int, _ dia: Int, _ pulse: Int)
        -> [UInt8]
    {
        [y, mo, d, h, mi, s, 0, 0, sys, dia, pulse, 0, 0].map { UInt8($0) }
    }

    /// Connect: device-info mode, VER00 (libomron's vector), daily mode, GDC with `count`.
    static func opening790(count: UInt8) throws -> [OmronScriptedLink.Step] {
        let version = try (vector(libomron, "omron.ver.resp")["in_reports"] as? [String] ?? []).map(bytes)
        return modeChange([0x11, 0x11])
            + command(.version, version.map { $0 + [UInt8](repeating: 0, count: 8 - $0.count) })
            + modeChange([0x74, 0xBC]) + command(.readingCount(bank: 0), okReply([0x00, 0x0A, 0x00, count]))
    }

    /// libomron's GME vector: 2007-01-03 00:06:51, 112/75 mmHg, pulse 71.
    static func vectorReading() throws -> [[UInt8]] {
        let reports = try (vector(libomron, "omron.gme.resp")["in_reports"] as? [String] ?? []).map(bytes)
        return reports.map { $0 + [UInt8](repeating: 0, count: 8 - $0.count) }
    }

    static let vectorResult = reading(112, 75, 71, "2007-01-03T00:06:51Z")

    // MARK: HEM-7322U scripts

    static let obpm = "hem7322u-obpm"

    /// A 14-byte EEPROM record in obpm's layout.
    static func record(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ sys: Int, _ dia: Int, _ pulse: Int)
        -> [UInt8]
    {
        [dia, sys - 25, y - 2000, pulse, mo << 2 | d >> 3, (d & 7) << 5 | h, mi >> 2, (mi & 3) << 6, 0, 0, 0, 0, 0, 0]
            .map { UInt8($0) }
    }

    static let empty = [UInt8](repeating: 0xFF, count: 14)

    /// A 64-byte reply report: type, length byte 47, five header bytes, 40 data bytes, XOR of bytes 1–46.
    static func dataReply(_ data: [UInt8]) -> [UInt8] {
        let frame = [0x02, 0x2F, 0x81, 0x00, 0x00, 0x00, 0x28] + data
        return frame + [OmronChecksum.xor(frame.dropFirst())] + [UInt8](repeating: 0, count: 64 - frame.count - 1)
    }

    static let ack: [UInt8] = {
        let frame: [UInt8] = [0x02, 0x08, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00]
        return frame + [OmronChecksum.xor(frame.dropFirst())] + [UInt8](repeating: 0, count: 55)
    }()

    /// One read of the memory of a 4-slot monitor: begin, two 40-byte reads from 0x02AC, end; the
    /// begin, first read and end frames are obpm's vectors.
    static func read7322(_ records: [[UInt8]]) throws -> [OmronScriptedLink.Step] {
        let block =
            (records + Array(repeating: empty, count: 4 - records.count)).flatMap { $0 }
            + [UInt8](repeating: 0xFF, count: 24)
        return [
            .host(try bytes(vector(obpm, "obpm.cmd_init")["hex"])), .device(ack),
            .host(try bytes(vector(obpm, "obpm.cmd_data(addr 0x02AC)")["hex"])),
            .device(dataReply(Array(block[0..<40]))),
            .host(OmronEEPROMCommand.read(address: 0x02D4, length: 40).bytes),
            .device(dataReply(Array(block[40..<80]))),
            .host(try bytes(vector(obpm, "obpm.cmd_done")["hex"])), .device(ack),
        ]
    }

    static let morning = record(2024, 3, 5, 9, 30, 130, 85, 70)
    static let morningResult = reading(130, 85, 70, "2024-03-05T09:30:00Z")
    static let later = record(2024, 3, 5, 9, 55, 121, 79, 64)
    static let laterResult = reading(121, 79, 64, "2024-03-05T09:55:00Z")

    // MARK: Running

    static func run(
        _ steps: [OmronScriptedLink.Step], model: OmronCuff.Model, pollInterval: Double = 3600,
        logs: InMemoryLogHandler = InMemoryLogHandler(), configure: (OmronCuff) -> Void = { _ in },
        until done: (([CuffEvent]) -> Bool)? = nil
    ) async throws -> (events: [CuffEvent], link: OmronScriptedLink) {
        let link = OmronScriptedLink(steps)
        let recorder = Recorder()
        let settings = OmronCuff.Settings(
            model: model, pollInterval: pollInterval, retries: 2, timeZone: "UTC", recordSlots: 4)
        let cuff = try OmronCuff(
            info: info, settings: settings, link: { link }, timing: link.timing(base: base),
            logger: Logger(label: "test", minimumLevel: .debug, handler: logs))
        configure(cuff)
        try await cuff.start { recorder.record($0) }
        let finished = link.wait {
            !link.failures.isEmpty || (done.map { $0(recorder.all) } ?? link.isFinished)
        }
        await cuff.stop()
        #expect(finished, "the script did not run to its end: \(recorder.all)")
        #expect(link.failures.isEmpty, "\(link.failures)")
        return (recorder.all, link)
    }

    // MARK: Tests

    @Test func aHEM790ITMemoryIsReadWhole() async throws {
        let steps =
            try Self.opening790(count: 2)
            + Self.command(.reading(bank: 0, index: 0), Self.okReply(Self.gme(24, 3, 5, 9, 50, 10, 128, 82, 66)))
            + Self.command(.reading(bank: 0, index: 1), try Self.vectorReading())
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(steps, model: .hem790it, logs: logs)
        #expect(
            events == [
                .connected, .completed(Self.vectorResult),
                .completed(Self.reading(128, 82, 66, "2024-03-05T09:50:10Z")),
            ])
        #expect(logs.messages.contains { $0.contains("M7080IT 207") })
    }

    @Test func aHEM7322UMemoryIsReadWhole() async throws {
        let (events, _) = try await Self.run(try Self.read7322([Self.morning, Self.later]), model: .hem7322u)
        #expect(events == [.connected, .completed(Self.morningResult), .completed(Self.laterResult)])
    }

    @Test func readingsBeforeTheVisitAreLoggedNotRecorded() async throws {
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(
            try Self.read7322([Self.morning, Self.later]), model: .hem7322u, logs: logs
        ) {
            $0.setVisitStart(Self.date("2024-03-05T09:45:00Z"))
        }
        #expect(events == [.connected, .completed(Self.laterResult)])
        #expect(logs.messages.contains { $0.contains("130/85") && $0.contains("earlier patient") })
    }

    @Test func theHEM790ITStopsAtTheFirstReadingOfAnEarlierPatient() async throws {
        // Three readings stored, newest first: the second predates the visit, so the third is never asked for.
        let steps =
            try Self.opening790(count: 3)
            + Self.command(.reading(bank: 0, index: 0), Self.okReply(Self.gme(24, 3, 5, 9, 50, 10, 128, 82, 66)))
            + Self.command(.reading(bank: 0, index: 1), try Self.vectorReading())
        let (events, link) = try await Self.run(steps, model: .hem790it) { cuff in
            cuff.setVisitStart(Self.date("2024-03-05T09:45:00Z"))
        }
        #expect(events == [.connected, .completed(Self.reading(128, 82, 66, "2024-03-05T09:50:10Z"))])
        #expect(link.isFinished)
    }

    @Test func aReReadDeliversOnlyTheNewReading() async throws {
        let steps = try Self.read7322([Self.morning]) + Self.read7322([Self.morning, Self.later])
        let (events, link) = try await Self.run(steps, model: .hem7322u, pollInterval: 30)
        #expect(events == [.connected, .completed(Self.morningResult), .completed(Self.laterResult)])
        #expect(link.now >= .seconds(30))
    }

    @Test func noIsAnsweredBySendingAgain() async throws {
        let steps =
            Array(try Self.opening790(count: 1).dropLast(Self.okReply([0, 0x0A, 0, 1]).count))
            + Self.noReply.map { .device($0) }
            + Self.command(.readingCount(bank: 0), Self.noReply)
            + Self.command(.readingCount(bank: 0), Self.okReply([0, 0x0A, 0, 1]))
            + Self.command(.reading(bank: 0, index: 0), try Self.vectorReading())
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(steps, model: .hem790it, logs: logs)
        #expect(events == [.connected, .completed(Self.vectorResult)])
        #expect(logs.messages.filter { $0.contains("answered NO") }.count == 2)
    }

    @Test func noForeverEndsTheReadWithATimeout() async throws {
        // retries 2: three tries, three NOs; the room hears of it once.
        let steps =
            Array(try Self.opening790(count: 1).dropLast(Self.okReply([0, 0x0A, 0, 1]).count))
            + Self.noReply.map { .device($0) } + Self.command(.readingCount(bank: 0), Self.noReply)
            + Self.command(.readingCount(bank: 0), Self.noReply)
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(steps, model: .hem790it, logs: logs, until: { $0.count >= 2 })
        #expect(events == [.connected, .failed(.timedOut)])
        #expect(logs.messages.contains { $0.contains("3 tries") && $0.contains("NO") })
    }

    @Test func aBadChecksumIsLoggedAndTheCommandSentAgain() async throws {
        var corrupt = try Self.vectorReading()
        corrupt[2][3] ^= 0x01  // the checksum byte 0x4C
        let steps =
            try Self.opening790(count: 1) + Self.command(.reading(bank: 0, index: 0), corrupt)
            + Self.command(.reading(bank: 0, index: 0), try Self.vectorReading())
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(steps, model: .hem790it, logs: logs)
        #expect(events == [.connected, .completed(Self.vectorResult)])
        #expect(logs.messages.contains { $0.contains("checksum mismatch: expected 4C, found 4D") })
    }

    @Test func aCorruptHEM7322UReplyIsLoggedAndAskedAgain() async throws {
        var steps = try Self.read7322([Self.later])
        guard case .device(var reply) = steps[3] else { Issue.record("script layout"); return }
        reply[10] ^= 0xFF
        steps.insert(
            contentsOf: [.host(OmronEEPROMCommand.read(address: 0x02AC, length: 40).bytes), .device(reply)], at: 2)
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(steps, model: .hem7322u, logs: logs)
        #expect(events == [.connected, .completed(Self.laterResult)])
        #expect(logs.messages.contains { $0.contains("checksum mismatch") })
    }

    @Test func aSilentMonitorTimesOutOnTheInjectedClock() async throws {
        let steps: [OmronScriptedLink.Step] = [
            .host(OmronEEPROMCommand.begin.bytes), .silence(.seconds(10)),
        ]
        let logs = InMemoryLogHandler()
        let (events, link) = try await Self.run(steps, model: .hem7322u, logs: logs, until: { $0.count >= 2 })
        #expect(events == [.connected, .failed(.timedOut)])
        #expect(link.now >= .seconds(2))
        #expect(logs.messages.contains { $0.contains("did not answer \"begin session\" within 2.0 s") })
    }

    @Test func anUnplugMidReadThenAReplugReadsAgain() async throws {
        let first = try Self.read7322([Self.later])
        let steps = Array(first.prefix(3)) + [.unplug, .absent, .plug] + first
        let (events, _) = try await Self.run(steps, model: .hem7322u)
        #expect(
            events == [.connected, .failed(.disconnected), .disconnected, .connected, .completed(Self.laterResult)])
    }

    @Test func anUnplugWhileIdleIsJustADisconnect() async throws {
        let steps = try Self.read7322([Self.later]) + [.unplug, .plug] + Self.read7322([Self.later])
        let (events, _) = try await Self.run(steps, model: .hem7322u)
        // Plugged back in: the same reading is not delivered twice.
        #expect(events == [.connected, .completed(Self.laterResult), .disconnected, .connected])
    }

    @Test func anUnsetClockIsFlaggedAndUsesTheBaselineOfTheVisit() async throws {
        let unset = Self.record(2000, 1, 1, 0, 12, 140, 90, 75)
        let unsetLater = Self.record(2000, 1, 1, 0, 40, 118, 76, 62)
        let steps = try Self.read7322([unset]) + Self.read7322([unset, unsetLater])
        let logs = InMemoryLogHandler()
        let (events, link) = try await Self.run(steps, model: .hem7322u, pollInterval: 30, logs: logs) {
            $0.setVisitStart(Self.date("2024-03-05T09:45:00Z"))
        }
        // The first undated reading was there when the visit started; the second appeared during it
        // and is dated by the read that found it.
        let arrival = Self.base.addingTimeInterval(ScriptedSeconds.of(link.now))
        guard events.count == 2, case .completed(let reading) = events[1] else {
            Issue.record("events \(events)")
            return
        }
        #expect(events[0] == .connected)
        #expect(reading.systolic == 118 && reading.diastolic == 76 && reading.pulse == 62)
        #expect(reading.measuredAt > Self.base.addingTimeInterval(29) && reading.measuredAt <= arrival)
        #expect(logs.messages.contains { $0.contains("140/90") && $0.contains("earlier patient") })
        #expect(logs.messages.contains { $0.contains("118/76") && $0.contains("never set") })
    }

    @Test func aClockFarAheadIsDistrusted() async throws {
        let ahead = Self.record(2024, 3, 6, 10, 0, 125, 80, 60)
        let logs = InMemoryLogHandler()
        let (events, _) = try await Self.run(try Self.read7322([ahead]), model: .hem7322u, logs: logs)
        guard events.count == 2, case .completed(let reading) = events[1] else {
            Issue.record("events \(events)")
            return
        }
        // A day ahead: dated by its arrival, at the room's 10:00, not the monitor's tomorrow.
        #expect(reading.systolic == 125 && reading.diastolic == 80 && reading.meanArterial == 95)
        #expect(reading.measuredAt < Self.base.addingTimeInterval(60))
        #expect(logs.messages.contains { $0.contains("ahead of the room's") })
    }

    @Test func settingsAreCheckedAndDecodedWithDefaults() throws {
        let decoded = try JSONDecoder().decode(OmronCuff.Settings.self, from: Data(#"{"model": "HEM-790IT"}"#.utf8))
        #expect(decoded == OmronCuff.Settings(model: .hem790it))
        #expect(throws: DeviceError.self) { try OmronCuff.Settings(user: 3).validated() }
        #expect(throws: DeviceError.self) { try OmronCuff.Settings(timeZone: "Mars/Olympus").validated() }
        #expect(throws: DeviceError.self) { try OmronCuff.Settings(pollInterval: 0).validated() }
        #expect(try OmronCuff.Settings(timeZone: "Europe/Paris").validated().identifier == "Europe/Paris")
    }

    @Test func theMonitorCannotBeStartedRemotely() async throws {
        let cuff = try OmronCuff(info: Self.info, link: { OmronScriptedLink([]) })
        #expect(!cuff.canStartRemotely)
        await #expect(throws: DeviceError.self) { try await cuff.startMeasurement() }
    }
}

/// Seconds in a `Duration`, for comparing virtual time with dates.
enum ScriptedSeconds {
    static func of(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
