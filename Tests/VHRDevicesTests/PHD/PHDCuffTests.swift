import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices

@Suite struct PHDCuffTests {
    static let info = DeviceInfo(
        id: "cuff", kind: .bloodPressureCuff, profile: "ieee11073-bp-cuff", model: "test monitor", transport: "usb",
        simulated: false)
    static let settings = PHDCuff.Settings(managerSystemID: "1122334455667788", timeZone: "UTC")
    /// The room's clock at the start of each replay: 2024-03-05T10:00:00Z.
    static let base = Date(timeIntervalSince1970: 1_709_632_800)

    final class Recorder: Sendable {
        private let events = Mutex<[CuffEvent]>([])
        func record(_ event: CuffEvent) { events.withLock { $0.append(event) } }
        var all: [CuffEvent] { events.withLock { $0 } }
    }

    /// The system id of Antidote's extended-configuration agent.
    static let antidoteSystemID: [UInt8] = [0x00, 0x22, 0x09, 0x22, 0x58, 0x08, 0x03, 0xCC]
    /// The system id of the Antidote example agent in the other sessions.
    static let standardSystemID: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x07]

    /// A reading dated by the monitor's clock unless `clock` says the room's, taken by the monitor
    /// whose system id is `systemID` (the standard sessions' agent unless said).
    static func reading(
        _ sys: Int, _ dia: Int, _ map: Int, _ pulse: Int, _ iso: String, clock: BloodPressureReading.Clock = .device,
        systemID: [UInt8] = standardSystemID
    ) -> BloodPressureReading {
        BloodPressureReading(
            systolic: sys, diastolic: dia, meanArterial: map, pulse: pulse,
            measuredAt: ISO8601DateFormatter().date(from: iso)!, clock: clock, source: DeviceSource(systemID: systemID))
    }

    static let h241 = reading(120, 80, 100, 60, "2007-12-06T12:10:00Z")

    /// Runs a whole session through a driver, waits for the script's end and stops the driver.
    static func run(
        _ name: String, delivery: ScriptedLink.Delivery = .whole, logs: InMemoryLogHandler = InMemoryLogHandler(),
        configure: (PHDCuff) -> Void = { _ in }
    ) async throws -> (events: [CuffEvent], link: ScriptedLink, cuff: PHDCuff) {
        let link = ScriptedLink(session: name, delivery: delivery)
        let recorder = Recorder()
        let cuff = try PHDCuff(
            info: info, settings: settings, link: { link }, timing: link.timing(base: base),
            logger: Logger(label: "test", minimumLevel: .debug, handler: logs))
        configure(cuff)
        try await cuff.start { recorder.record($0) }
        let finished = link.wait { link.isFinished || !link.failures.isEmpty }
        await cuff.stop()
        #expect(finished, "the script did not run to its end")
        #expect(link.failures.isEmpty, "\(link.failures)")
        return (recorder.all, link, cuff)
    }

    @Test(arguments: [ScriptedLink.Delivery.whole, .byteByByte, .randomSplits(seed: 3)])
    func aStandardSessionProducesTheMeasurement(delivery: ScriptedLink.Delivery) async throws {
        let (events, _, cuff) = try await Self.run("standard-config", delivery: delivery)
        #expect(events == [.connected, .completed(Self.h241)])
        #expect(!cuff.canStartRemotely)
    }

    @Test func anExtendedConfigurationIsLearnedAndReportedForPersistence() async throws {
        let learned = Mutex<[UInt16]>([])
        let link = ScriptedLink(session: "extended-config")
        let recorder = Recorder()
        let cuff = try PHDCuff(
            info: Self.info, settings: Self.settings, link: { link },
            configurationLearned: { item in learned.withLock { $0.append(item.configuration.id) } },
            timing: link.timing(base: Self.base))
        try await cuff.start { recorder.record($0) }
        #expect(link.wait { link.isFinished })
        await cuff.stop()
        #expect(link.failures.isEmpty, "\(link.failures)")
        #expect(learned.withLock { $0 } == [0x4000])
        #expect(cuff.knownConfigurations[Self.antidoteSystemID]?[0x4000] != nil)
        #expect(
            recorder.all == [
                .connected,
                .completed(Self.reading(113, 71, 85, 71, "2010-07-21T15:35:53Z", systemID: Self.antidoteSystemID)),
            ])
    }

    @Test func theVisitStartKeepsAnEarlierPatientsReadingsOut() async throws {
        let logs = InMemoryLogHandler()
        let (events, _, _) = try await Self.run("two-stored-readings", logs: logs) { cuff in
            cuff.setVisitStart(ISO8601DateFormatter().date(from: "2024-03-05T09:45:00Z"))
        }
        #expect(events == [.connected, .completed(Self.reading(131, 86, 101, 70, "2024-03-05T09:47:02Z"))])
        #expect(logs.messages.contains { $0.contains("earlier patient") })
    }

    @Test func resetPatientStartsTheNextVisitNow() async throws {
        let (events, _, _) = try await Self.run("two-stored-readings") { cuff in cuff.resetPatient() }
        // Both stored readings predate the reset (10:00): neither is the next patient's.
        #expect(events == [.connected])
    }

    @Test func unplugAndReplugMidAssociationLeaveNoStuckState() async throws {
        let logs = InMemoryLogHandler()
        let (events, link, _) = try await Self.run("unplug-mid-association", logs: logs)
        #expect(
            events == [.connected, .failed(.disconnected), .disconnected, .connected, .completed(Self.h241)])
        // Two absent opens, each followed by the reconnect delay on the link's clock.
        #expect(link.now >= .seconds(2))
        #expect(logs.messages.filter { $0.contains("waiting for it") }.count == 1)
    }

    @Test(arguments: [ScriptedLink.Delivery.whole, .byteByByte])
    func unplugMidReportThenTheNextPlugWorks(delivery: ScriptedLink.Delivery) async throws {
        let (events, _, _) = try await Self.run("unplug-mid-report", delivery: delivery)
        #expect(events == [.connected, .failed(.disconnected), .disconnected, .connected, .completed(Self.h241)])
    }

    @Test func garbageAndOversizeAreSurvived() async throws {
        let (garbage, _, _) = try await Self.run("garbage", delivery: .randomSplits(seed: 11))
        #expect(garbage == [.connected, .failed(.timedOut), .completed(Self.h241)])
        let (oversize, _, _) = try await Self.run("oversize")
        #expect(oversize == [.connected, .failed(.timedOut), .completed(Self.h241)])
    }

    @Test func aSilentDeviceTimesOutOnTheInjectedClock() async throws {
        let (events, link, _) = try await Self.run("never-answers")
        #expect(events == [.connected, .failed(.timedOut)])
        #expect(link.now >= .seconds(10))
    }

    @Test func stopReleasesAnOpenAssociation() async throws {
        let link = ScriptedLink(session: "manager-release")
        let recorder = Recorder()
        let cuff = try PHDCuff(
            info: Self.info, settings: Self.settings, link: { link }, timing: link.timing(base: Self.base))
        try await cuff.start { recorder.record($0) }
        // The association is up once the script waits for the manager's RLRQ.
        #expect(link.wait { link.awaitsManager && link.steps.count - 2 == link.position })
        await cuff.stop()
        #expect(link.isFinished)
        #expect(link.failures.isEmpty, "\(link.failures)")
        #expect(recorder.all == [.connected])
    }

    @Test func startTwiceIsBusyAndRemoteStartIsNotSupported() async throws {
        let link = ScriptedLink(session: "standard-config")
        let cuff = try PHDCuff(
            info: Self.info, settings: Self.settings, link: { link }, timing: link.timing(base: Self.base))
        try await cuff.start { _ in }
        await #expect(throws: DeviceError.self) { try await cuff.start { _ in } }
        do {
            try await cuff.startMeasurement()
            Issue.record("a PHD cuff cannot start remotely")
        } catch {
            #expect(error.code == .notSupported)
        }
        await cuff.stop()
        await cuff.stop()
    }

    @Test(arguments: [
        PHDCuff.Settings(managerSystemID: "1122"), PHDCuff.Settings(releaseTimeout: 0),
        PHDCuff.Settings(maximumAPDUSize: 10), PHDCuff.Settings(timeZone: "Mars/Olympus"),
    ])
    func badSettingsAreRejectedWithAFix(settings: PHDCuff.Settings) {
        #expect(throws: DeviceError.self) { try settings.sessionSettings() }
    }

    @Test func settingsDecodeFromAProfileWithDefaults() throws {
        let json = Data(#"{"timeZone": "Europe/Paris", "configurationTimeout": 20}"#.utf8)
        let settings = try JSONDecoder().decode(PHDCuff.Settings.self, from: json)
        #expect(settings == PHDCuff.Settings(configurationTimeout: 20, timeZone: "Europe/Paris"))
        #expect(try settings.sessionSettings().timeouts.configuration == .seconds(20))
    }
}
