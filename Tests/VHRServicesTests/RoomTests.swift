import Foundation
import Synchronization
import Testing
import VHRCore
import VHRServices

/// The room's measurement identity: one name-based id per measurement, so a reading a monitor
/// sends again is the same measurement and is stored once.
@Suite struct RoomTests {
    /// A cuff whose events the test sends by hand, as a PHD monitor pushes its readings.
    final class PushingCuff: BloodPressureCuff, @unchecked Sendable {
        // @unchecked: `handler` is set once in start, before the test sends any event.
        let info = DeviceInfo(
            id: "cuff", kind: .bloodPressureCuff, profile: "ieee11073-phdc-bp-monitor", model: "test monitor",
            transport: "usb", simulated: false)
        var canStartRemotely: Bool { false }
        private let handler = Mutex<(@Sendable (CuffEvent) -> Void)?>(nil)

        func start(events handler: @escaping @Sendable (CuffEvent) -> Void) async throws(DeviceError) {
            self.handler.withLock { $0 = handler }
        }
        func startMeasurement() async throws(DeviceError) { throw DeviceError(.notSupported, "push only") }
        func abortMeasurement() async {}
        func stop() async {}

        func send(_ event: CuffEvent) { handler.withLock { $0 }?(event) }
    }

    static let patient = "19121212-1212"

    @Test func aReadingSentAgainIsStoredOnceUnderItsNameBasedID() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-room-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try MeasurementStore(path: directory.appendingPathComponent("vhr.sqlite").path)
        let cuff = PushingCuff()
        let room = Room(
            name: "test", cuffs: [cuff], stethoscopes: [], store: store, events: EventHub(), gate: VisitGate(),
            logger: .discarding())
        try await room.start()
        _ = try await room.startVisit(id: "v1", patientID: Self.patient)

        let measured = Date(timeIntervalSince1970: 1_800_000_000)
        let reading = BloodPressureReading(
            systolic: 121, diastolic: 79, meanArterial: 93, pulse: 66, measuredAt: measured, clock: .device)
        cuff.send(.completed(reading))
        cuff.send(.completed(reading))  // the monitor resends its memory
        var other = reading
        other.pulse = 67
        cuff.send(.completed(other))

        let deadline = ContinuousClock.now + .seconds(30)
        var saved: [MeasurementRecord] = []
        while saved.count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            saved = try store.measurements(visitID: "v1")
        }
        try await Task.sleep(for: .milliseconds(100))  // a third record, if any, would be in by now
        saved = try store.measurements(visitID: "v1")
        #expect(saved.map(\.reading.pulse) == [66, 67])
        let expected = MeasurementIdentity.bloodPressure(
            reading, device: .room(profile: cuff.info.profile, name: "cuff"), patient: Self.patient,
            timestamp: .device(measured)
        ).uuid
        #expect(saved.first?.id == expected)
        #expect(try store.queueSummary(now: measured).pending == 2)
        await room.shutdown()
    }

    @Test func aNearlyFullDiskRefusesNewMeasurementsAndKeepsTheStoredOnes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-room-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try MeasurementStore(path: directory.appendingPathComponent("vhr.sqlite").path)
        let free = Mutex<UInt64>(1 << 30)
        let events = EventHub()
        let alarms = Mutex<[String]>([])
        _ = events.subscribe(.init(classes: [.room]) { line in alarms.withLock { $0.append(line) } })
        let storage = StorageGuard(
            path: directory.path, minimumMegabytes: 64, events: events, logger: .discarding(),
            probe: { _ in free.withLock { $0 } })
        let cuff = PushingCuff()
        let room = Room(
            name: "test", cuffs: [cuff], stethoscopes: [], store: store, events: events, gate: VisitGate(),
            logger: .discarding(), storage: storage)
        try await room.start()
        _ = try await room.startVisit(id: "v1", patientID: Self.patient)
        let first = BloodPressureReading(
            systolic: 121, diastolic: 79, meanArterial: 93, pulse: 66, measuredAt: Date(timeIntervalSince1970: 1e9),
            clock: .device)
        cuff.send(.completed(first))
        try await Self.waitFor { try store.measurementCount() == 1 }

        free.withLock { $0 = 10 << 20 }
        var second = first
        second.pulse = 70
        cuff.send(.completed(second))
        cuff.send(.completed(second))
        try await Self.waitFor { alarms.withLock { $0.contains { $0.contains(#""kind":"disk_full""#) } } }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try store.measurementCount() == 1)
        #expect(storage.isRefusing)
        // One alarm for the episode, however many refusals.
        #expect(alarms.withLock { $0.filter { $0.contains(#""event":"alarm""#) }.count } == 1)

        free.withLock { $0 = 1 << 30 }
        cuff.send(.completed(second))
        try await Self.waitFor { try store.measurementCount() == 2 }
        #expect(!storage.isRefusing)
        #expect(alarms.withLock { $0.contains { $0.contains(#""event":"alarm.cleared""#) } })
        await room.shutdown()
    }

    static func waitFor(_ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within 30 s")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
