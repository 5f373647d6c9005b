import Foundation
import Testing
import VHRCore

@Suite struct PHDCuffSessionTests {
    static let managerID: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    static let utc = TimeZone(identifier: "UTC")!
    static let settings = PHDCuffSession.Settings(managerSystemID: managerID, timeZone: utc)
    /// The room's clock during the replays: 2024-03-05T10:00:00Z.
    static let wallClock = Date(timeIntervalSince1970: 1_709_632_800)

    enum Delivery: CaseIterable, Sendable {
        case whole, byteByByte, randomSplits
    }

    /// What a replayed session produced.
    struct Replay {
        var events: [CuffEvent] = []
        var problems: [String] = []
        var learned: [PHDCuffSession.LearnedConfiguration] = []
        var previous: [BloodPressureReading] = []
        var mismatches: [String] = []
        var session: PHDCuffSession
    }

    /// Replays `Tests/Fixtures/bp/sessions/<name>.session` through a pure session, checking every send.
    static func replay(
        _ name: String, delivery: Delivery = .whole, seed: UInt64 = 7, visitStart: Date? = nil,
        known: [[UInt8]: [UInt16: Configuration]] = [:]
    ) throws -> Replay {
        let url = BPVectors.directory.appendingPathComponent("sessions/\(name).session")
        let text = try String(contentsOf: url, encoding: .utf8)
        var replay = Replay(
            session: PHDCuffSession(settings: settings, knownConfigurations: known, visitStart: visitStart))
        var random = SeededRandom(seed: seed)
        var now = Duration.zero
        var expected: [(Int, [UInt8])] = []
        func take(_ output: PHDCuffSession.Output) {
            replay.events += output.events
            replay.problems += output.problems
            replay.learned += output.learned
            replay.previous += output.previous
            for sent in output.send {
                guard !expected.isEmpty else {
                    replay.mismatches.append("unexpected send \(Hex.string(sent, separator: " "))")
                    continue
                }
                let (line, wanted) = expected.removeFirst()
                if wanted != sent {
                    replay.mismatches.append("line \(line): sent \(Hex.string(sent, separator: " "))")
                }
            }
        }
        take(replay.session.connected())
        let lines = text.split(separator: "\n").map(String.init).enumerated().filter { !$0.element.hasPrefix("#") }
        // Expected sends are queued ahead of the agent bytes that trigger them.
        var pending = Array(lines)
        while !pending.isEmpty {
            let (number, line) = pending.removeFirst()
            let rest = String(line.dropFirst(2))
            switch line.first {
            case ">":
                expected.append((number + 1, try Hex.parse(rest)))
            case "<":
                // Queue every `>` that follows, so the session's answer can be checked.
                while let next = pending.first, next.element.hasPrefix(">") {
                    expected.append((next.offset + 1, try Hex.parse(String(next.element.dropFirst(2)))))
                    pending.removeFirst()
                }
                let bytes = try Hex.parse(rest)
                var offset = 0
                while offset < bytes.count {
                    let size =
                        switch delivery {
                        case .whole: bytes.count
                        case .byteByByte: 1
                        case .randomSplits: Int.random(in: 1...(bytes.count - offset), using: &random)
                        }
                    take(
                        replay.session.received(
                            Array(bytes[offset..<offset + size]), at: now, wallClock: wallClock))
                    offset += size
                }
            case "!":
                let words = rest.split(separator: " ")
                switch words.first {
                case "unplug": take(replay.session.disconnected(wallClock: wallClock))
                case "plug": take(replay.session.connected())
                case "silence":
                    while let next = pending.first, next.element.hasPrefix(">") {
                        expected.append((next.offset + 1, try Hex.parse(String(next.element.dropFirst(2)))))
                        pending.removeFirst()
                    }
                    now += .seconds(Double(words[1]) ?? 0)
                    take(replay.session.expireTimers(at: now, wallClock: wallClock))
                default: break
                }
            default: break
            }
        }
        replay.mismatches += expected.map { "line \($0.0): never sent" }
        return replay
    }

    /// The system id in the AARQ of the Antidote example agent most sessions replay.
    static let antidoteAgent = DeviceSource(systemID: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x07])
    /// The system id in the AARQ of the agent with the extended configuration.
    static let extendedAgent = DeviceSource(systemID: [0x00, 0x22, 0x09, 0x22, 0x58, 0x08, 0x03, 0xCC])

    /// A reading dated by the monitor's clock unless `clock` says the room's, from the monitor
    /// `source` (the Antidote agent unless said).
    static func reading(
        _ sys: Int, _ dia: Int, _ map: Int, _ pulse: Int, _ iso: String, clock: BloodPressureReading.Clock = .device,
        source: DeviceSource = antidoteAgent
    ) -> BloodPressureReading {
        BloodPressureReading(
            systolic: sys, diastolic: dia, meanArterial: map, pulse: pulse,
            measuredAt: ISO8601DateFormatter().date(from: iso)!, clock: clock, source: source)
    }

    @Test(arguments: Delivery.allCases)
    func theStandardConfigurationTakesTheQuickPath(delivery: Delivery) throws {
        let replay = try Self.replay("standard-config", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(replay.events == [.connected, .completed(Self.reading(120, 80, 100, 60, "2007-12-06T12:10:00Z"))])
        #expect(replay.learned.isEmpty)
        #expect(replay.session.state == .unassociated)
    }

    @Test(arguments: Delivery.allCases)
    func anExtendedConfigurationIsLearnedOnceAndItsResendIsDeduplicated(delivery: Delivery) throws {
        let replay = try Self.replay("extended-config", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(
            replay.events == [
                .connected,
                .completed(Self.reading(113, 71, 85, 71, "2010-07-21T15:35:53Z", source: Self.extendedAgent)),
            ])
        #expect(replay.learned.map(\.configuration.id) == [0x4000])
        #expect(replay.learned.first?.systemID == BPVectors.bytes("00 22 09 22 58 08 03 cc"))
        #expect(replay.session.knownConfigurations[BPVectors.bytes("00 22 09 22 58 08 03 cc")]?[0x4000] != nil)
    }

    @Test func aRememberedConfigurationIsAcceptedAtOnceByANewSession() throws {
        let first = try Self.replay("extended-config")
        var session = PHDCuffSession(settings: Self.settings, knownConfigurations: first.session.knownConfigurations)
        _ = session.connected()
        let output = session.received(
            BPVectors.vector("antidote.bp.aarq").bytes, at: .zero, wallClock: Self.wallClock)
        let aare = try #require(output.send.first)
        #expect(aare[4...5] == [0x00, 0x00], "accepted, not accepted-unknown-config")
        #expect(session.state == .operating)
        #expect(output.timers.isEmpty)
    }

    @Test(arguments: Delivery.allCases)
    func twoStoredReadingsInOneReportGiveTwoResults(delivery: Delivery) throws {
        let replay = try Self.replay("two-stored-readings", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(
            replay.events == [
                .connected, .completed(Self.reading(128, 84, 99, 72, "2024-03-05T09:41:30Z")),
                .completed(Self.reading(131, 86, 101, 70, "2024-03-05T09:47:02Z")),
            ])
    }

    @Test func readingsFromBeforeTheVisitAreKeptOutOfIt() throws {
        let visitStart = ISO8601DateFormatter().date(from: "2024-03-05T09:45:00Z")!
        let replay = try Self.replay("two-stored-readings", visitStart: visitStart)
        #expect(replay.events == [.connected, .completed(Self.reading(131, 86, 101, 70, "2024-03-05T09:47:02Z"))])
        #expect(replay.previous == [Self.reading(128, 84, 99, 72, "2024-03-05T09:41:30Z")])
        #expect(replay.problems.contains { $0.contains("earlier patient") })
    }

    @Test(arguments: Delivery.allCases)
    func bloodPressureAndPulseInSeparateReportsArePaired(delivery: Delivery) throws {
        let replay = try Self.replay("separate-reports", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(replay.events == [.connected, .completed(Self.reading(128, 84, 99, 72, "2024-03-05T09:41:30Z"))])
    }

    @Test func aResentReadingIsDeliveredOnce() throws {
        let replay = try Self.replay("resend")
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(replay.events == [.connected, .completed(Self.reading(128, 84, 99, 72, "2024-03-05T09:41:30Z"))])
    }

    @Test func anUnsetClockIsFlaggedAndTheReadingDatedByItsArrival() throws {
        let replay = try Self.replay("unset-clock", visitStart: Self.wallClock.addingTimeInterval(-60))
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(
            replay.events == [
                .connected,
                .completed(
                    BloodPressureReading(
                        systolic: 118, diastolic: 76, meanArterial: 90, pulse: 64, measuredAt: Self.wallClock,
                        source: Self.antidoteAgent)),
            ])
        #expect(replay.problems.contains { $0.contains("unset") })
    }

    @Test(arguments: Delivery.allCases)
    func anUnplugMidAssociationFailsTheMeasurementAndTheNextPlugWorks(delivery: Delivery) throws {
        let replay = try Self.replay("unplug-mid-association", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(
            replay.events == [
                .connected, .failed(.disconnected), .disconnected, .connected,
                .completed(Self.reading(120, 80, 100, 60, "2007-12-06T12:10:00Z")),
            ])
        #expect(replay.session.deadlines.isEmpty)
    }

    @Test(arguments: Delivery.allCases)
    func anUnplugMidReportForgetsThePartialAPDU(delivery: Delivery) throws {
        let replay = try Self.replay("unplug-mid-report", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(
            replay.events == [
                .connected, .failed(.disconnected), .disconnected, .connected,
                .completed(Self.reading(120, 80, 100, 60, "2007-12-06T12:10:00Z")),
            ])
    }

    @Test(arguments: Delivery.allCases)
    func garbageIsDroppedAndAbortsAnAssociation(delivery: Delivery) throws {
        let replay = try Self.replay("garbage", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(
            replay.events == [
                .connected, .failed(.timedOut), .completed(Self.reading(120, 80, 100, 60, "2007-12-06T12:10:00Z")),
            ])
        #expect(replay.problems.contains { $0.contains("0d 0a are not an IEEE 11073 APDU header") })
        #expect(replay.problems.contains { $0.contains("5a 5a are not an IEEE 11073 APDU header") })
    }

    @Test(arguments: Delivery.allCases)
    func anOversizeAPDUAbortsWithBufferOverflow(delivery: Delivery) throws {
        let replay = try Self.replay("oversize", delivery: delivery)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(replay.problems.contains { $0.contains("65539 bytes exceeds the 8192-byte limit") })
        #expect(replay.events.last == .completed(Self.reading(120, 80, 100, 60, "2007-12-06T12:10:00Z")))
    }

    @Test func aDeviceThatNeverAnswersTimesOut() throws {
        let replay = try Self.replay("never-answers")
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        #expect(replay.events == [.connected, .failed(.timedOut)])
        #expect(replay.session.state == .unassociated)
        #expect(replay.session.nextDeadline == nil)
    }

    @Test func aTimerDoesNotFireBeforeItsDeadline() throws {
        var session = PHDCuffSession(settings: Self.settings)
        _ = session.connected()
        let output = session.received(
            BPVectors.vector("antidote.bp.aarq").bytes, at: .seconds(5), wallClock: Self.wallClock)
        #expect(output.timers == [.arm(.configuration, deadline: .seconds(15))])
        #expect(session.expireTimers(at: .seconds(14), wallClock: Self.wallClock).send.isEmpty)
        #expect(session.state == .waitingForConfiguration)
        #expect(session.expireTimers(at: .seconds(15), wallClock: Self.wallClock).send == [[0xE6, 0, 0, 2, 0, 3]])
    }

    @Test func aHalfAPDUIsDroppedWhenTheRestNeverComes() throws {
        var session = PHDCuffSession(settings: Self.settings)
        _ = session.connected()
        _ = session.received(BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes, at: .zero, wallClock: Self.wallClock)
        let half = Array(BPVectors.vector("antidote.H241_ID_02BC.bp_measurement").bytes.prefix(20))
        let partial = session.received(half, at: .seconds(1), wallClock: Self.wallClock)
        #expect(partial.timers == [.arm(.reassembly, deadline: .seconds(4))])
        let expired = session.expireTimers(at: .seconds(4), wallClock: Self.wallClock)
        #expect(expired.send == [[0xE6, 0, 0, 2, 0, 0]])
        #expect(expired.events == [.failed(.timedOut)])
        #expect(expired.problems.first?.contains("stopped after 20 bytes") == true)
        #expect(session.state == .unassociated)
        // The next association starts clean.
        let again = session.received(
            BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes, at: .seconds(5), wallClock: Self.wallClock)
        #expect(again.send.count == 1)
        #expect(session.state == .operating)
    }

    @Test func aMalformedReportIsRejectedWholeAndAbortsTheAssociation() throws {
        var session = PHDCuffSession(settings: Self.settings)
        _ = session.connected()
        _ = session.received(BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes, at: .zero, wallClock: Self.wallClock)
        // The measurement with its observation count raised: lengths no longer add up.
        var bytes = BPVectors.vector("antidote.H241_ID_02BC.bp_measurement").bytes
        bytes[27] = 0x03
        let output = session.received(bytes, at: .zero, wallClock: Self.wallClock)
        #expect(output.send == [[0xE6, 0, 0, 2, 0, 0]])
        #expect(output.events == [.failed(.timedOut)])
        #expect(output.problems.first?.hasPrefix("malformed APDU: ") == true)
        #expect(!output.events.contains { if case .completed = $0 { true } else { false } })
    }

    @Test func theManagerReleasesOnRequestAndAbortsWhenTheAgentIsSilent() throws {
        var session = PHDCuffSession(settings: Self.settings)
        _ = session.connected()
        _ = session.received(BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes, at: .zero, wallClock: Self.wallClock)
        let release = session.releaseRequested(at: .seconds(1))
        #expect(release.send == [[0xE4, 0, 0, 2, 0, 0]])
        #expect(release.timers == [.arm(.release, deadline: .seconds(4))])
        let expired = session.expireTimers(at: .seconds(4), wallClock: Self.wallClock)
        #expect(expired.send == [[0xE6, 0, 0, 2, 0, 2]])
        #expect(expired.events.isEmpty, "a release the manager asked for is not a failed measurement")
        #expect(session.state == .unassociated)
    }

    @Test func aPressureWithoutPulseIsReportedWhenTheAssociationEnds() throws {
        var session = PHDCuffSession(settings: Self.settings)
        _ = session.connected()
        _ = session.received(BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes, at: .zero, wallClock: Self.wallClock)
        let lines = try String(
            contentsOf: BPVectors.directory.appendingPathComponent("sessions/separate-reports.session"), encoding: .utf8
        ).split(separator: "\n")
        let pressureOnly = try Hex.parse(String(lines.filter { $0.hasPrefix("< e7") }[0].dropFirst(2)))
        let report = session.received(pressureOnly, at: .zero, wallClock: Self.wallClock)
        #expect(report.events.isEmpty)
        let end = session.received([0xE4, 0, 0, 2, 0, 0], at: .zero, wallClock: Self.wallClock)
        #expect(end.send == [[0xE5, 0, 0, 2, 0, 0]])
        #expect(end.events.isEmpty)
        #expect(end.problems.contains { $0.contains("128/84/99") && $0.contains("without a pulse") })
    }

    @Test func eachReadingNamesTheMonitorOfItsOwnAssociation() throws {
        var session = PHDCuffSession(settings: Self.settings)
        _ = session.connected()
        let standard = BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes
        let measurement = BPVectors.vector("antidote.H241_ID_02BC.bp_measurement").bytes
        _ = session.received(standard, at: .zero, wallClock: Self.wallClock)
        let first = session.received(measurement, at: .zero, wallClock: Self.wallClock)
        #expect(first.events.map(Self.source) == [Self.antidoteAgent])
        _ = session.received([0xE4, 0, 0, 2, 0, 0], at: .zero, wallClock: Self.wallClock)
        // Another monitor on the same port: the same AARQ with its own system id (bytes 36…43).
        var swapped = standard
        let other: [UInt8] = [0xFE, 0xED, 0xAB, 0xEE, 0xDE, 0xAD, 0x77, 0xC3]
        swapped.replaceSubrange(36..<44, with: other)
        let accepted = session.received(swapped, at: .zero, wallClock: Self.wallClock)
        #expect(accepted.notices.contains { $0.contains("feedabeedead77c3") })
        let second = session.received(measurement, at: .zero, wallClock: Self.wallClock)
        #expect(second.events.map(Self.source) == [DeviceSource(systemID: other)])
    }

    private static func source(_ event: CuffEvent) -> DeviceSource? {
        guard case .completed(let reading) = event else { return nil }
        return reading.source
    }

    @Test func bytesBeforeConnectAreIgnored() {
        var session = PHDCuffSession(settings: Self.settings)
        let output = session.received(
            BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes, at: .zero, wallClock: Self.wallClock)
        #expect(output == PHDCuffSession.Output())
        #expect(session.state == .disconnected)
    }
}
