import Foundation
import Testing
import VHRCore
import VHRServices
import VHRSystem

@Suite struct MeasurementStoreTests {
    /// A state directory of its own for each test.
    private struct Directory {
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + "vhr-store-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        var database: String { path + "/vhr.sqlite" }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    private static let visit = Visit(id: "visit-1", patientID: "191212121212", startedAt: t0)

    private static func id(_ number: Int) -> UUID {
        UUID(uuidString: "00000000-0000-4000-8000-" + String(format: "%012d", number))!
    }

    private static func record(_ number: Int, at offset: TimeInterval) -> MeasurementRecord {
        let when = t0.addingTimeInterval(offset)
        return MeasurementRecord(
            id: id(number), visitID: visit.id, deviceID: "cuff-\(number)", profile: "sim-cuff",
            reading: BloodPressureReading(
                systolic: 120 + number, diastolic: 80, meanArterial: 93, pulse: 60 + number,
                measuredAt: when.addingTimeInterval(-1)),
            recordedAt: when)
    }

    /// A store with the visit begun and measurements 1…count saved 10 s apart.
    private static func store(at directory: Directory, saving count: Int) throws -> MeasurementStore {
        let store = try MeasurementStore(path: directory.database)
        try store.beginVisit(visit)
        for number in stride(from: 1, through: count, by: 1) {
            try store.save(record(number, at: TimeInterval(number - 1) * 10))
        }
        return store
    }

    private static func pendingIDs(_ store: MeasurementStore, dueBy offset: TimeInterval, limit: Int = 100) throws
        -> [UUID]
    {
        try store.pendingDeliveries(dueBy: t0.addingTimeInterval(offset), limit: limit).map(\.id)
    }

    private static func rawQuery(_ path: String, _ sql: String) throws -> [[SQLiteValue]] {
        let database = try SQLiteDatabase(path: path, create: false)
        let statement = try database.prepare(sql)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        return rows
    }

    // MARK: - Schema

    @Test func migratesAVersion1FileAndQueuesItsMeasurements() throws {
        let directory = try Directory()
        defer { directory.remove() }
        do {
            // The version-1 schema exactly as vhrd 1 created it, with two saved measurements.
            let old = try SQLiteDatabase(path: directory.database)
            try old.setJournalModeWAL()
            try old.execute(
                """
                CREATE TABLE visits (
                    id TEXT PRIMARY KEY, patient TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL);
                CREATE TABLE measurements (
                    id TEXT PRIMARY KEY, visit_id TEXT NOT NULL REFERENCES visits(id), device TEXT NOT NULL,
                    profile TEXT NOT NULL, systolic INTEGER NOT NULL, diastolic INTEGER NOT NULL,
                    map INTEGER NOT NULL, pulse INTEGER NOT NULL, measured_at REAL NOT NULL,
                    recorded_at REAL NOT NULL);
                CREATE INDEX measurements_by_visit ON measurements(visit_id);
                INSERT INTO visits VALUES ('visit-1', '191212121212', 1800000000, NULL);
                INSERT INTO measurements VALUES
                    ('00000000-0000-4000-8000-000000000002', 'visit-1', 'cuff-2', 'sim-cuff', 122, 80, 93, 62,
                     1800000009, 1800000010),
                    ('00000000-0000-4000-8000-000000000001', 'visit-1', 'cuff-1', 'sim-cuff', 121, 80, 93, 61,
                     1799999999, 1800000000);
                PRAGMA user_version = 1;
                """)
        }
        let store = try MeasurementStore(path: directory.database)
        #expect(try Self.rawQuery(directory.database, "PRAGMA user_version") == [[.integer(4)]])
        #expect(try Self.rawQuery(directory.database, "SELECT count FROM failed_commits") == [[.integer(0)]])
        #expect(try store.measurements(visitID: "visit-1") == [Self.record(1, at: 0), Self.record(2, at: 10)])
        // Never uploaded by version 1, so both are pending, oldest first, due since they were saved.
        let items = try store.pendingDeliveries(dueBy: Self.t0.addingTimeInterval(10), limit: 10)
        #expect(
            items == [
                OutboxItem(
                    record: Self.record(1, at: 0), patientID: "191212121212", attempts: 0, nextAttemptAt: Self.t0,
                    lastError: nil, createdAt: Self.t0),
                OutboxItem(
                    record: Self.record(2, at: 10), patientID: "191212121212", attempts: 0,
                    nextAttemptAt: Self.t0.addingTimeInterval(10), lastError: nil,
                    createdAt: Self.t0.addingTimeInterval(10)),
            ])
        #expect(try Self.pendingIDs(store, dueBy: 5) == [Self.id(1)])
        // New saves go to the migrated outbox too.
        try store.save(Self.record(3, at: 20))
        #expect(try store.deliveryState(id: Self.id(3)) == .pending)
    }

    /// A version-3 file exactly as vhrd 3 created it: visits, measurements without clock or
    /// source, the outbox and `failed_commits`, with one saved measurement.
    private static func writeVersion3File(_ path: String) throws {
        let old = try SQLiteDatabase(path: path)
        try old.setJournalModeWAL()
        try old.execute(
            """
            BEGIN;
            CREATE TABLE visits (
                id TEXT PRIMARY KEY, patient TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL);
            CREATE TABLE measurements (
                id TEXT PRIMARY KEY, visit_id TEXT NOT NULL REFERENCES visits(id), device TEXT NOT NULL,
                profile TEXT NOT NULL, systolic INTEGER NOT NULL, diastolic INTEGER NOT NULL,
                map INTEGER NOT NULL, pulse INTEGER NOT NULL, measured_at REAL NOT NULL,
                recorded_at REAL NOT NULL);
            CREATE INDEX measurements_by_visit ON measurements(visit_id);
            CREATE TABLE deliveries (
                seq INTEGER PRIMARY KEY,
                measurement_id TEXT NOT NULL UNIQUE REFERENCES measurements(id),
                state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'held')),
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, last_error TEXT,
                held_reason TEXT, held_at REAL, delivered_at REAL, created_at REAL NOT NULL);
            CREATE INDEX deliveries_by_state ON deliveries(state, seq);
            CREATE TABLE failed_commits (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL);
            INSERT INTO failed_commits (id, count) VALUES (1, 0);
            INSERT INTO visits VALUES ('visit-1', '191212121212', 1800000000, NULL);
            INSERT INTO measurements VALUES
                ('00000000-0000-4000-8000-000000000001', 'visit-1', 'cuff-1', 'sim-cuff', 121, 80, 93, 61,
                 1799999999, 1800000000);
            INSERT INTO deliveries (measurement_id, state, attempts, next_attempt_at, created_at)
                VALUES ('00000000-0000-4000-8000-000000000001', 'pending', 2, 1800000000, 1800000000);
            PRAGMA user_version = 3;
            COMMIT;
            """)
    }

    /// A reading dated by the device's clock and taken by an identified monitor.
    private static func identifiedRecord(_ number: Int, at offset: TimeInterval) -> MeasurementRecord {
        var record = record(number, at: offset)
        record.reading.clock = .device
        record.reading.source = DeviceSource(
            systemID: [0xFE, 0xED, 0xAB, 0xEE, 0xDE, 0xAD, 0x77, UInt8(number)], serialNumber: "SN-\(number)",
            firmwareVersion: "2.4.1")
        return record
    }

    @Test func migratesAVersion3FileWhoseRowsReadBackAsRoomClockWithoutSource() throws {
        let directory = try Directory()
        defer { directory.remove() }
        try Self.writeVersion3File(directory.database)
        let store = try MeasurementStore(path: directory.database)
        #expect(try Self.rawQuery(directory.database, "PRAGMA user_version") == [[.integer(4)]])
        #expect(
            try Self.rawQuery(directory.database, "SELECT clock, source FROM measurements") == [[.null, .null]])
        // The old row reads back as it was stored: dated by the room, no source, its outbox state kept.
        let old = Self.record(1, at: 0)
        #expect(old.reading.clock == .room && old.reading.source == nil)
        #expect(try store.measurement(id: Self.id(1)) == old)
        #expect(try store.measurements(visitID: "visit-1") == [old])
        let items = try store.pendingDeliveries(dueBy: Self.t0, limit: 10)
        #expect(items.map(\.record) == [old])
        #expect(items.first?.attempts == 2)
        // New rows in the migrated file keep both.
        let new = Self.identifiedRecord(2, at: 10)
        try store.save(new)
        #expect(try store.measurement(id: Self.id(2)) == new)
        #expect(try store.measurements(visitID: "visit-1") == [old, new])
        #expect(
            try store.pendingDeliveries(dueBy: Self.t0.addingTimeInterval(10), limit: 10).map(\.record) == [old, new])
    }

    @Test func theClockAndSourceAreStoredAsReadableColumnsAndSurviveAReopen() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let identified = Self.identifiedRecord(1, at: 0)
        var plain = Self.record(2, at: 10)
        plain.reading.clock = .device
        do {
            let store = try MeasurementStore(path: directory.database)
            try store.beginVisit(Self.visit)
            try store.save(identified)
            try store.save(plain)
        }
        #expect(
            try Self.rawQuery(directory.database, "SELECT clock, source FROM measurements ORDER BY id") == [
                [
                    .text("device"),
                    .text(#"{"firmwareVersion":"2.4.1","serialNumber":"SN-1","systemID":"FE-ED-AB-EE-DE-AD-77-01"}"#),
                ],
                [.text("device"), .null],
            ])
        let reopened = try MeasurementStore(path: directory.database)
        #expect(try reopened.measurements(visitID: Self.visit.id) == [identified, plain])
        #expect(
            try reopened.pendingDeliveries(dueBy: Self.t0.addingTimeInterval(10), limit: 10).map(\.record) == [
                identified, plain,
            ])
    }

    @Test func aDamagedClockOrSourceQuarantinesTheRow() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try MeasurementStore(path: directory.database)
        try store.beginVisit(Self.visit)
        for number in 1...3 { try store.save(Self.identifiedRecord(number, at: Double(number) * 10)) }
        do {
            let raw = try SQLiteDatabase(path: directory.database)
            try raw.execute(
                """
                PRAGMA ignore_check_constraints = ON;
                UPDATE measurements SET clock = 'sundial' WHERE id = '00000000-0000-4000-8000-000000000001';
                UPDATE measurements SET source = '{"systemID":"not hex"}'
                    WHERE id = '00000000-0000-4000-8000-000000000002';
                """)
        }
        let due = Self.t0.addingTimeInterval(100)
        #expect(try store.pendingDeliveries(dueBy: due, limit: 10).map(\.id) == [Self.id(3)])
        let reasons = try store.queueSummary(now: due).heldItems.map(\.reason)
        #expect(reasons.count == 2)
        #expect(reasons.first?.contains(#"clock is "sundial", expected device or room"#) == true)
        #expect(reasons.last?.contains("source is not a device description") == true)
    }

    @Test func refusesAFileFromANewerVhrd() throws {
        let directory = try Directory()
        defer { directory.remove() }
        do {
            let newer = try SQLiteDatabase(path: directory.database)
            try newer.setUserVersion(5)
        }
        let error = #expect(throws: StoreError.self) { try MeasurementStore(path: directory.database) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(directory.database))
        #expect(text.contains("schema version 5") && text.contains("up to 4"))
        #expect(text.contains("install the newer vhrd"))
        // Refusing must not have touched the file.
        #expect(try Self.rawQuery(directory.database, "PRAGMA user_version") == [[.integer(5)]])
    }

    @Test func refusesAFileThatFailsItsIntegrityCheck() throws {
        let directory = try Directory()
        defer { directory.remove() }
        do { _ = try Self.store(at: directory, saving: 1) }
        do {
            // A value no vhrd writes (the CHECK is bypassed): integrity_check reports it.
            let damaged = try SQLiteDatabase(path: directory.database)
            try damaged.execute("PRAGMA ignore_check_constraints = ON; UPDATE deliveries SET state = 'lost'")
        }
        let error = #expect(throws: StoreError.self) { try MeasurementStore(path: directory.database) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(directory.database))
        #expect(text.contains("CHECK constraint failed"))
        #expect(text.contains("move the file aside"))
    }

    @Test func reopeningTheFileKeepsEverything() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let before: OutboxSummary
        let pendingBefore: [OutboxItem]
        do {
            let store = try Self.store(at: directory, saving: 4)
            try store.markDelivered(id: Self.id(1), at: Self.t0.addingTimeInterval(100))
            try store.hold(id: Self.id(2), reason: "HTTP 422: unknown patient", at: Self.t0.addingTimeInterval(100))
            try store.recordFailure(id: Self.id(3), error: "HTTP 503", nextAttempt: Self.t0.addingTimeInterval(200))
            before = try store.queueSummary(now: Self.t0.addingTimeInterval(300))
            pendingBefore = try store.pendingDeliveries(dueBy: Self.t0.addingTimeInterval(300), limit: 10)
        }
        let store = try MeasurementStore(path: directory.database)
        #expect(try store.openVisit() == Self.visit)
        #expect(
            try store.measurements(visitID: Self.visit.id) == (1...4).map { Self.record($0, at: Double($0 - 1) * 10) })
        #expect(try store.queueSummary(now: Self.t0.addingTimeInterval(300)) == before)
        #expect(try store.pendingDeliveries(dueBy: Self.t0.addingTimeInterval(300), limit: 10) == pendingBefore)
        #expect(pendingBefore.map(\.id) == [Self.id(3), Self.id(4)])
        #expect(pendingBefore.first?.attempts == 1 && pendingBefore.first?.lastError == "HTTP 503")
        #expect(before.pending == 2 && before.delivered == 1 && before.held == 1)
    }

    // MARK: - Saving

    @Test func saveStoresTheMeasurementAndItsDeliveryInOneTransaction() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 1)
        // A stray delivery row for id 2 makes the second insert of save() fail after the first
        // succeeded (written without foreign keys, as damage would be).
        do {
            let raw = try SQLiteDatabase(path: directory.database)
            try raw.execute(
                """
                INSERT INTO deliveries (measurement_id, state, attempts, next_attempt_at, created_at)
                VALUES ('00000000-0000-4000-8000-000000000002', 'held', 0, 0, 0)
                """)
        }
        #expect(throws: SQLiteError.self) { try store.save(Self.record(2, at: 10)) }
        #expect(try store.measurementCount() == 1)
        #expect(try store.measurements(visitID: Self.visit.id) == [Self.record(1, at: 0)])
        // A duplicate measurement id fails at the first insert and adds no second delivery.
        #expect(throws: SQLiteError.self) { try store.save(Self.record(1, at: 20)) }
        #expect(try Self.rawQuery(directory.database, "SELECT count(*) FROM deliveries") == [[.integer(2)]])
        #expect(try store.measurementCount() == 1)
        // And the store still works afterwards.
        try store.save(Self.record(3, at: 30))
        #expect(try Self.pendingIDs(store, dueBy: 100) == [Self.id(1), Self.id(3)])
    }

    // MARK: - Outbox

    @Test func pendingDeliveriesAreOldestFirstAndOnlyWhenDue() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 3)  // saved at t0, t0+10, t0+20
        #expect(try Self.pendingIDs(store, dueBy: -1).isEmpty)
        #expect(try Self.pendingIDs(store, dueBy: 0) == [Self.id(1)])
        #expect(try Self.pendingIDs(store, dueBy: 15) == [Self.id(1), Self.id(2)])
        #expect(try Self.pendingIDs(store, dueBy: 60) == [Self.id(1), Self.id(2), Self.id(3)])
        #expect(try Self.pendingIDs(store, dueBy: 60, limit: 2) == [Self.id(1), Self.id(2)])
        #expect(try Self.pendingIDs(store, dueBy: 60, limit: 0).isEmpty)

        try store.recordFailure(id: Self.id(1), error: "connection reset", nextAttempt: Self.t0.addingTimeInterval(300))
        #expect(try Self.pendingIDs(store, dueBy: 60) == [Self.id(2), Self.id(3)])
        try store.recordFailure(id: Self.id(1), error: "HTTP 503", nextAttempt: Self.t0.addingTimeInterval(600))
        #expect(try Self.pendingIDs(store, dueBy: 599) == [Self.id(2), Self.id(3)])
        let due = try store.pendingDeliveries(dueBy: Self.t0.addingTimeInterval(600), limit: 10)
        #expect(due.map(\.id) == [Self.id(1), Self.id(2), Self.id(3)])
        #expect(due[0].attempts == 2 && due[0].lastError == "HTTP 503")
        #expect(due[0].nextAttemptAt == Self.t0.addingTimeInterval(600))
        #expect(due[1].attempts == 0 && due[1].lastError == nil)

        // The queue order is the order of saving, even when the wall clock went back in between.
        try store.save(Self.record(4, at: -3600))
        #expect(try Self.pendingIDs(store, dueBy: 600) == [Self.id(1), Self.id(2), Self.id(3), Self.id(4)])
    }

    @Test func deliveredHeldAndReleaseTransitions() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 3)
        let later = Self.t0.addingTimeInterval(100)

        try store.markDelivered(id: Self.id(1), at: later)
        #expect(try store.deliveryState(id: Self.id(1)) == .delivered)
        try store.markDelivered(id: Self.id(1), at: later.addingTimeInterval(5))  // a repeat is harmless
        #expect(try Self.pendingIDs(store, dueBy: 100) == [Self.id(2), Self.id(3)])
        #expect(throws: OutboxError.notAllowed(id: Self.id(1), action: "record a failure for", state: .delivered)) {
            try store.recordFailure(id: Self.id(1), error: "late", nextAttempt: later)
        }
        #expect(throws: OutboxError.notAllowed(id: Self.id(1), action: "hold", state: .delivered)) {
            try store.hold(id: Self.id(1), reason: "late", at: later)
        }
        #expect(throws: OutboxError.notAllowed(id: Self.id(1), action: "release", state: .delivered)) {
            try store.release(id: Self.id(1))
        }

        try store.recordFailure(id: Self.id(2), error: "HTTP 503", nextAttempt: later)
        try store.hold(id: Self.id(2), reason: "HTTP 412: two resources match the identifier", at: later)
        #expect(try store.deliveryState(id: Self.id(2)) == .held)
        #expect(try Self.pendingIDs(store, dueBy: 1_000) == [Self.id(3)])  // held leaves the queue
        #expect(throws: OutboxError.notAllowed(id: Self.id(2), action: "mark delivered", state: .held)) {
            try store.markDelivered(id: Self.id(2), at: later)
        }
        #expect(throws: OutboxError.notAllowed(id: Self.id(2), action: "record a failure for", state: .held)) {
            try store.recordFailure(id: Self.id(2), error: "x", nextAttempt: later)
        }
        try store.hold(id: Self.id(2), reason: "HTTP 422: unknown patient", at: later)  // newest reason wins
        #expect(try store.queueSummary(now: later).heldItems.map(\.reason) == ["HTTP 422: unknown patient"])

        try store.release(id: Self.id(2))
        #expect(try store.deliveryState(id: Self.id(2)) == .pending)
        // Released: due at once, attempts from zero, back in its place in the queue.
        let again = try store.pendingDeliveries(dueBy: Self.t0, limit: 10)
        #expect(again.map(\.id) == [Self.id(2)])
        #expect(again.first?.attempts == 0 && again.first?.lastError == "HTTP 503")
        try store.release(id: Self.id(2))  // releasing a pending one changes nothing
        #expect(try store.queueSummary(now: later).heldItems.isEmpty)

        let unknown = Self.id(99)
        #expect(try store.deliveryState(id: unknown) == nil)
        #expect(throws: OutboxError.unknownMeasurement(id: unknown)) { try store.markDelivered(id: unknown, at: later) }
        #expect(throws: OutboxError.unknownMeasurement(id: unknown)) { try store.release(id: unknown) }
        #expect(throws: OutboxError.unknownMeasurement(id: unknown)) {
            try store.hold(id: unknown, reason: "x", at: later)
        }
        #expect(
            "\(OutboxError.notAllowed(id: Self.id(2), action: "mark delivered", state: .held))"
                == "cannot mark delivered measurement 00000000-0000-4000-8000-000000000002: it is held; "
                + "release it first with vhrctl queue retry")
    }

    @Test func summaryCountsStatesAndAgesWithAnInjectedClock() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 0)
        #expect(
            try store.queueSummary(now: Self.t0)
                == OutboxSummary(
                    pending: 0, delivered: 0, held: 0, oldestPendingAge: nil, oldestUnsentAge: nil, heldItems: []))

        for number in 1...4 { try store.save(Self.record(number, at: Double(number - 1) * 60)) }
        try store.recordFailure(id: Self.id(1), error: "HTTP 503", nextAttempt: Self.t0.addingTimeInterval(100))
        try store.hold(id: Self.id(1), reason: "HTTP 422: unknown patient", at: Self.t0.addingTimeInterval(200))
        try store.markDelivered(id: Self.id(2), at: Self.t0.addingTimeInterval(200))
        let summary = try store.queueSummary(now: Self.t0.addingTimeInterval(600))
        #expect(
            summary
                == OutboxSummary(
                    pending: 2, delivered: 1, held: 1, oldestPendingAge: 480, oldestUnsentAge: 600,
                    heldItems: [
                        OutboxSummary.HeldItem(
                            id: "00000000-0000-4000-8000-000000000001", reason: "HTTP 422: unknown patient",
                            heldAt: Self.t0.addingTimeInterval(200), createdAt: Self.t0, attempts: 1,
                            lastError: "HTTP 503")
                    ]))
        // Ages follow the injected clock, and a clock set back a day gives 0, not a negative age.
        #expect(try store.queueSummary(now: Self.t0.addingTimeInterval(86_400)).oldestPendingAge == 86_400 - 120)
        let backwards = try store.queueSummary(now: Self.t0.addingTimeInterval(-86_400))
        #expect(backwards.oldestPendingAge == 0 && backwards.oldestUnsentAge == 0)
        // Once everything is delivered there is no unsent age.
        for number in [3, 4] { try store.markDelivered(id: Self.id(number), at: Self.t0.addingTimeInterval(700)) }
        try store.release(id: Self.id(1))
        try store.markDelivered(id: Self.id(1), at: Self.t0.addingTimeInterval(700))
        let done = try store.queueSummary(now: Self.t0.addingTimeInterval(800))
        #expect(done.delivered == 4 && done.pending == 0 && done.held == 0)
        #expect(done.oldestPendingAge == nil && done.oldestUnsentAge == nil)
    }

    @Test func aDamagedRowIsQuarantinedAndTheOthersStillDeliver() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 5)
        do {
            // Damage as a bad sector or a hand edit leaves it: the integrity check still passes.
            let raw = try SQLiteDatabase(path: directory.database)
            try raw.execute(
                """
                UPDATE measurements SET systolic = 'garbage' WHERE id = '00000000-0000-4000-8000-000000000002';
                DELETE FROM measurements WHERE id = '00000000-0000-4000-8000-000000000003';
                UPDATE deliveries SET next_attempt_at = 'soon'
                    WHERE measurement_id = '00000000-0000-4000-8000-000000000004';
                """)
        }
        let due = Self.t0.addingTimeInterval(1_000)
        #expect(try store.pendingDeliveries(dueBy: due, limit: 10).map(\.id) == [Self.id(1), Self.id(5)])
        for number in 2...4 { #expect(try store.deliveryState(id: Self.id(number)) == .held) }
        let summary = try store.queueSummary(now: due)
        #expect(summary.pending == 2 && summary.held == 3)
        let reasons = summary.heldItems.map(\.reason)
        #expect(reasons.count == 3)
        #expect(reasons.allSatisfy { $0.hasPrefix("quarantined: the stored measurement") })
        #expect(reasons.allSatisfy { $0.hasSuffix("export it for analysis") })
        #expect(reasons[0].contains("systolic is text, expected an integer"))
        #expect(reasons[1].contains("its measurement row is missing"))
        #expect(reasons[2].contains("next_attempt_at is text, expected a time"))
        #expect(summary.heldItems.allSatisfy { $0.heldAt == due })
        // The visit's list skips the unreadable row instead of inventing values.
        #expect(
            try store.measurements(visitID: Self.visit.id).map(\.id) == [Self.id(1), Self.id(4), Self.id(5)])

        // Quarantine is not loss: the file is sound, reopens, and the others deliver.
        try store.markDelivered(id: Self.id(1), at: due)
        let reopened = try MeasurementStore(path: directory.database)
        #expect(try reopened.queueSummary(now: due).heldItems == summary.heldItems)
        #expect(try reopened.pendingDeliveries(dueBy: due, limit: 10).map(\.id) == [Self.id(5)])
        // Released, a still-damaged row is quarantined again rather than sent.
        try reopened.release(id: Self.id(2))
        #expect(try reopened.pendingDeliveries(dueBy: due, limit: 10).map(\.id) == [Self.id(5)])
        #expect(try reopened.deliveryState(id: Self.id(2)) == .held)
    }

    @Test func aMeasurementIsFoundByItsID() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 2)
        #expect(try store.measurement(id: Self.id(2)) == Self.record(2, at: 10))
        #expect(try store.measurement(id: Self.id(3)) == nil)
    }
}

// MARK: - Scheduling (the uploader's additions)

extension MeasurementStoreTests {
    @Test func nextDueDateIsTheEarliestPendingDueTime() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try MeasurementStore(path: directory.database)
        #expect(try store.nextDueDate() == nil)
        try store.beginVisit(Self.visit)
        for number in 1...3 { try store.save(Self.record(number, at: TimeInterval(number - 1) * 10)) }
        #expect(try store.nextDueDate() == Self.t0)
        try store.recordFailure(id: Self.id(1), error: "503", nextAttempt: Self.t0.addingTimeInterval(500))
        try store.markDelivered(id: Self.id(2), at: Self.t0)
        // Delivered rows do not count; the pending ones are due at +500 and +20.
        #expect(try store.nextDueDate() == Self.t0.addingTimeInterval(20))
        try store.hold(id: Self.id(3), reason: "422", at: Self.t0)
        #expect(try store.nextDueDate() == Self.t0.addingTimeInterval(500))
    }

    @Test func pullForwardMakesOnlyFarDueRowsDueNow() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let store = try Self.store(at: directory, saving: 4)
        let now = Self.t0.addingTimeInterval(100)
        // After a day's backward step: one retry a day ahead, one a minute ahead.
        try store.recordFailure(id: Self.id(1), error: "503", nextAttempt: now.addingTimeInterval(86_400))
        try store.recordFailure(id: Self.id(2), error: "503", nextAttempt: now.addingTimeInterval(60))
        try store.recordFailure(id: Self.id(3), error: "503", nextAttempt: now.addingTimeInterval(86_400))
        try store.hold(id: Self.id(3), reason: "held rows stay held", at: now)
        #expect(try store.pullForward(dueAfter: now.addingTimeInterval(4500), to: now) == 1)
        #expect(try Self.pendingIDs(store, dueBy: 100) == [Self.id(1), Self.id(4)])
        #expect(try store.deliveryState(id: Self.id(3)) == .held)
        // Everything due now (the server came back): the minute-ahead row too.
        #expect(try store.pullForward(dueAfter: now, to: now) == 1)
        #expect(try Self.pendingIDs(store, dueBy: 100) == [Self.id(1), Self.id(2), Self.id(4)])
        #expect(try store.pullForward(dueAfter: now, to: now) == 0)
    }
}
