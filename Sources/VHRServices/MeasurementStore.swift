import Foundation
import Synchronization
import VHRCore
import VHRSystem

/// The room's durable record in the state directory: visits, the measurements taken in them,
/// and the delivery outbox that carries each measurement to the care provider's record.
///
/// A measurement and its delivery row are committed in one transaction (WAL,
/// `synchronous=FULL`) before the kiosk is told "saved", so a power cut after "saved" loses
/// nothing and every saved measurement is queued for upload. Times are always passed in; the
/// store never reads the clock.
public final class MeasurementStore: Sendable {
    /// Bumped whenever the schema changes; a database from a newer vhrd is refused.
    /// 1: visits and measurements. 2: the `deliveries` outbox. 3: `failed_commits`. 4: each
    /// measurement's clock and source device.
    static let schemaVersion: Int64 = 4

    // The connection is used from the room actor and from shutdown; the mutex serialises it
    // because an sqlite3 handle must not be used by two threads at once.
    private let database: Mutex<SQLiteDatabase>
    public let path: String

    public init(path: String) throws {
        self.path = path
        let database = try SQLiteDatabase(path: path)
        try database.setJournalModeWAL()
        try database.setSynchronousFull()
        try database.execute("PRAGMA foreign_keys = ON")
        let problems = try database.integrityCheck()
        guard problems == ["ok"] else {
            throw StoreError.corrupt(path: path, problems: problems)
        }
        try Self.migrate(database, path: path)
        self.database = Mutex(database)
    }

    private static func migrate(_ database: SQLiteDatabase, path: String) throws {
        let version = try database.userVersion()
        guard version <= schemaVersion else {
            throw StoreError.newerSchema(path: path, found: version, supported: schemaVersion)
        }
        guard version < schemaVersion else { return }
        // All steps in one transaction: a crash mid-migration leaves the old version intact.
        try database.transaction {
            if version < 1 { try database.execute(schemaVersion1) }
            if version < 2 { try database.execute(schemaVersion2) }
            if version < 3 { try database.execute(schemaVersion3) }
            if version < 4 { try database.execute(schemaVersion4) }
            try database.setUserVersion(schemaVersion)
        }
    }

    private static let schemaVersion1 = """
        CREATE TABLE visits (
            id TEXT PRIMARY KEY,
            patient TEXT NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL
        );
        CREATE TABLE measurements (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visits(id),
            device TEXT NOT NULL,
            profile TEXT NOT NULL,
            systolic INTEGER NOT NULL,
            diastolic INTEGER NOT NULL,
            map INTEGER NOT NULL,
            pulse INTEGER NOT NULL,
            measured_at REAL NOT NULL,
            recorded_at REAL NOT NULL
        );
        CREATE INDEX measurements_by_visit ON measurements(visit_id);
        """

    // `seq` is the queue order: the order of saving, which stays right when the wall clock
    // jumps. Measurements stored by version 1 were never uploaded, so each gets a pending row.
    private static let schemaVersion2 = """
        CREATE TABLE deliveries (
            seq INTEGER PRIMARY KEY,
            measurement_id TEXT NOT NULL UNIQUE REFERENCES measurements(id),
            state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'held')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            held_reason TEXT,
            held_at REAL,
            delivered_at REAL,
            created_at REAL NOT NULL
        );
        CREATE INDEX deliveries_by_state ON deliveries(state, seq);
        INSERT INTO deliveries (measurement_id, state, attempts, next_attempt_at, created_at)
            SELECT id, 'pending', 0, recorded_at, recorded_at FROM measurements ORDER BY recorded_at, rowid;
        """

    // One row that a failed commit's scrub rewrites (see `save`); the count itself is only a
    // trace for whoever opens the file (the alarm and the log report each failed save).
    private static let schemaVersion3 = """
        CREATE TABLE failed_commits (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            count INTEGER NOT NULL
        );
        INSERT INTO failed_commits (id, count) VALUES (1, 0);
        """

    // Whose clock dated the reading and which physical device took it (`DeviceSource` as JSON).
    // NULL in rows stored before: those read back as dated by the room, with no source, which is
    // what they were uploaded or queued as.
    private static let schemaVersion4 = """
        ALTER TABLE measurements ADD COLUMN clock TEXT CHECK (clock IN ('device', 'room'));
        ALTER TABLE measurements ADD COLUMN source TEXT;
        """

    /// The measurement columns in the order `StoredRow.measurement(from:)` reads them.
    private static let measurementColumns =
        "id, visit_id, device, profile, systolic, diastolic, map, pulse, measured_at, recorded_at, clock, source"

    // MARK: - Visits

    public func beginVisit(_ visit: Visit) throws {
        try database.withLock { database in
            let statement = try database.prepare("INSERT INTO visits (id, patient, started_at) VALUES (?, ?, ?)")
            try statement.bind(visit.id, at: 1)
            try statement.bind(visit.patientID, at: 2)
            try statement.bind(visit.startedAt.timeIntervalSince1970, at: 3)
            do {
                _ = try statement.step()
            } catch let error as SQLiteError where error.kind == .constraint {
                // Visit ids are the kiosk's; reusing one would merge two patients' records.
                throw VisitError.alreadyUsed(visitID: visit.id)
            }
        }
    }

    public func endVisit(id: String, at date: Date) throws {
        try database.withLock { database in
            let statement = try database.prepare("UPDATE visits SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
            try statement.bind(date.timeIntervalSince1970, at: 1)
            try statement.bind(id, at: 2)
            _ = try statement.step()
        }
    }

    /// The visit that was still open when the daemon stopped, if any.
    public func openVisit() throws -> Visit? {
        try database.withLock { database in
            let statement = try database.prepare(
                "SELECT id, patient, started_at FROM visits WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1")
            guard try statement.step() else { return nil }
            return Visit(
                id: statement.string(at: 0) ?? "", patientID: statement.string(at: 1) ?? "",
                startedAt: Date(timeIntervalSince1970: statement.double(at: 2)))
        }
    }

    // MARK: - Measurements

    /// Stores a measurement durably together with its pending delivery row (due at once, created
    /// at `record.recordedAt`); returns only after the commit. If either insert fails, neither
    /// is stored.
    /// Saves a measurement and its delivery row in one transaction; when this returns, both are
    /// durable (WAL, synchronous=FULL), and only then may the kiosk be told "saved".
    ///
    /// A commit whose fsync failed is rolled back in memory, but its frames are already whole in
    /// the WAL file: a crash (or a stop whose checkpoint fails) before the next write would let
    /// recovery bring back a measurement the kiosk was told was not saved. So a failed save is
    /// followed at once by a one-page write: SQLite starts it at the same place in the WAL (the
    /// failed commit never reached the WAL index), so its frame replaces the failed commit's first
    /// frame and breaks their checksum chain, even when its own fsync fails too (the bytes are
    /// written, only their flush fails). Recovery then stops before the refused measurement.
    public func save(_ record: MeasurementRecord) throws {
        try database.withLock { database in
            do {
                try insert(record, into: database)
            } catch {
                try? database.transaction {
                    try database.execute("UPDATE failed_commits SET count = count + 1 WHERE id = 1")
                }
                throw error
            }
        }
    }

    private func insert(_ record: MeasurementRecord, into database: SQLiteDatabase) throws {
        try database.transaction {
            let statement = try database.prepare(
                """
                INSERT INTO measurements (\(Self.measurementColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try statement.bind(record.id.uuidString.lowercased(), at: 1)
            try statement.bind(record.visitID, at: 2)
            try statement.bind(record.deviceID, at: 3)
            try statement.bind(record.profile, at: 4)
            try statement.bind(Int64(record.reading.systolic), at: 5)
            try statement.bind(Int64(record.reading.diastolic), at: 6)
            try statement.bind(Int64(record.reading.meanArterial), at: 7)
            try statement.bind(Int64(record.reading.pulse), at: 8)
            try statement.bind(record.reading.measuredAt.timeIntervalSince1970, at: 9)
            try statement.bind(record.recordedAt.timeIntervalSince1970, at: 10)
            try statement.bind(record.reading.clock.rawValue, at: 11)
            try statement.bind(try Self.sourceText(record.reading.source), at: 12)
            _ = try statement.step()
            let delivery = try database.prepare(
                """
                INSERT INTO deliveries (measurement_id, state, attempts, next_attempt_at, created_at)
                VALUES (?, 'pending', 0, ?, ?)
                """)
            try delivery.bind(record.id.uuidString.lowercased(), at: 1)
            try delivery.bind(record.recordedAt.timeIntervalSince1970, at: 2)
            try delivery.bind(record.recordedAt.timeIntervalSince1970, at: 3)
            _ = try delivery.step()
        }
    }

    public func measurements(visitID: String) throws -> [MeasurementRecord] {
        try database.withLock { database in
            let statement = try database.prepare(
                """
                SELECT \(Self.measurementColumns)
                FROM measurements WHERE visit_id = ? ORDER BY recorded_at, rowid
                """)
            try statement.bind(visitID, at: 1)
            var records: [MeasurementRecord] = []
            while try statement.step() {
                // A damaged row is skipped here, not invented: the outbox holds it with the reason.
                if let record = try? StoredRow(statement).measurement(from: 0) { records.append(record) }
            }
            return records
        }
    }

    /// One measurement by its id; nil when there is none or its row is damaged.
    public func measurement(id: UUID) throws -> MeasurementRecord? {
        try database.withLock { database in
            let statement = try database.prepare(
                """
                SELECT \(Self.measurementColumns)
                FROM measurements WHERE id = ?
                """)
            try statement.bind(id.uuidString.lowercased(), at: 1)
            guard try statement.step() else { return nil }
            return try? StoredRow(statement).measurement(from: 0)
        }
    }

    public func measurementCount() throws -> Int {
        try database.withLock { database in
            let statement = try database.prepare("SELECT count(*) FROM measurements")
            _ = try statement.step()
            return Int(statement.int64(at: 0))
        }
    }

    // MARK: - Outbox

    /// The pending measurements due by `date`, oldest (first saved) first, at most `limit`.
    ///
    /// A row that cannot be decoded (damaged values, a missing measurement or visit) is moved to
    /// `held` with the damage as its reason, at `date`, and skipped; the others still come out.
    public func pendingDeliveries(dueBy date: Date, limit: Int) throws -> [OutboxItem] {
        guard limit > 0 else { return [] }
        return try database.withLock { database in
            // A damaged due time is selected too, so it is quarantined instead of never coming due.
            let statement = try database.prepare(
                """
                SELECT m.id, m.visit_id, m.device, m.profile, m.systolic, m.diastolic, m.map, m.pulse,
                       m.measured_at, m.recorded_at, m.clock, m.source,
                       v.patient, d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.seq, d.measurement_id
                FROM deliveries d
                LEFT JOIN measurements m ON m.id = d.measurement_id
                LEFT JOIN visits v ON v.id = m.visit_id
                WHERE d.state = 'pending'
                  AND (d.next_attempt_at <= ? OR typeof(d.next_attempt_at) NOT IN ('real', 'integer'))
                ORDER BY d.seq
                """)
            try statement.bind(date.timeIntervalSince1970, at: 1)
            var items: [OutboxItem] = []
            var damaged: [(seq: Int64, reason: String)] = []
            while items.count < limit, try statement.step() {
                do {
                    items.append(try StoredRow(statement).outboxItem())
                } catch {
                    let id = statement.string(at: 18) ?? "?"
                    damaged.append(
                        (
                            statement.int64(at: 17),
                            "quarantined: the stored measurement \(id) cannot be read (\(error)); "
                                + "export it for analysis"
                        ))
                }
            }
            statement.reset()
            if !damaged.isEmpty {
                try database.transaction {
                    let hold = try database.prepare(
                        "UPDATE deliveries SET state = 'held', held_reason = ?, held_at = ? WHERE seq = ?")
                    for row in damaged {
                        hold.reset()
                        try hold.bind(row.reason, at: 1)
                        try hold.bind(date.timeIntervalSince1970, at: 2)
                        try hold.bind(row.seq, at: 3)
                        _ = try hold.step()
                    }
                }
            }
            return items
        }
    }

    /// Records that the server acknowledged the measurement. Marking a delivered one again
    /// changes nothing (the first delivery time stays).
    ///
    /// - Throws: `OutboxError` when it is unknown or held.
    public func markDelivered(id: UUID, at date: Date) throws {
        try transition(
            id: id, action: "mark delivered", allowedFrom: [.pending], idempotentIn: .delivered,
            sql:
                "UPDATE deliveries SET state = 'delivered', delivered_at = ? WHERE measurement_id = ? AND state = 'pending'",
            values: [.real(date.timeIntervalSince1970)])
    }

    /// Records a failed attempt (network error, 5xx, …): the measurement stays pending and is
    /// due again at `nextAttempt`.
    ///
    /// - Throws: `OutboxError` when it is unknown, delivered or held.
    public func recordFailure(id: UUID, error: String, nextAttempt: Date) throws {
        try transition(
            id: id, action: "record a failure for", allowedFrom: [.pending], idempotentIn: nil,
            sql: """
                UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
                WHERE measurement_id = ? AND state = 'pending'
                """,
            values: [.text(error), .real(nextAttempt.timeIntervalSince1970)])
    }

    /// Takes the measurement out of the queue until an operator releases it (the server refused
    /// it for good). Holding a held one replaces the reason.
    ///
    /// - Throws: `OutboxError` when it is unknown or delivered.
    public func hold(id: UUID, reason: String, at date: Date) throws {
        try transition(
            id: id, action: "hold", allowedFrom: [.pending, .held], idempotentIn: nil,
            sql: """
                UPDATE deliveries SET state = 'held', held_reason = ?, held_at = ?
                WHERE measurement_id = ? AND state IN ('pending', 'held')
                """,
            values: [.text(reason), .real(date.timeIntervalSince1970)])
    }

    /// Puts a held measurement back in the queue (`vhrctl queue retry`), due at once with its
    /// attempts counted from zero. Releasing a pending one changes nothing.
    ///
    /// - Throws: `OutboxError` when it is unknown or delivered.
    public func release(id: UUID) throws {
        // Due "at once" without reading the clock: the epoch is before any dueBy.
        try transition(
            id: id, action: "release", allowedFrom: [.held], idempotentIn: .pending,
            sql: """
                UPDATE deliveries SET state = 'pending', held_reason = NULL, held_at = NULL, attempts = 0,
                    next_attempt_at = 0
                WHERE measurement_id = ? AND state = 'held'
                """,
            values: [])
    }

    /// The delivery state of one measurement, `nil` if it is not stored.
    public func deliveryState(id: UUID) throws -> DeliveryState? {
        try database.withLock { database in try Self.state(of: id, in: database) }
    }

    /// Counts per state, the oldest ages as seen at `now`, and every held item with its reason.
    /// Ages are never negative: after the clock jumped back, a measurement from "the future" is
    /// 0 seconds old.
    public func queueSummary(now: Date) throws -> OutboxSummary {
        try database.withLock { database in
            var counts: [DeliveryState: Int] = [:]
            var oldest: [DeliveryState: Double] = [:]
            let totals = try database.prepare(
                """
                SELECT state, count(*),
                       min(CASE WHEN typeof(created_at) IN ('real', 'integer') THEN created_at END)
                FROM deliveries GROUP BY state
                """)
            while try totals.step() {
                guard let state = totals.string(at: 0).flatMap(DeliveryState.init(rawValue:)) else { continue }
                counts[state] = Int(totals.int64(at: 1))
                if !totals.isNull(at: 2) { oldest[state] = totals.double(at: 2) }
            }
            let age = { (created: Double?) -> TimeInterval? in
                created.map { max(0, now.timeIntervalSince1970 - $0) }
            }
            let unsent = [oldest[.pending], oldest[.held]].compactMap { $0 }.min()

            let heldRows = try database.prepare(
                """
                SELECT measurement_id, held_reason, held_at, created_at, attempts, last_error
                FROM deliveries WHERE state = 'held' ORDER BY seq
                """)
            var heldItems: [OutboxSummary.HeldItem] = []
            while try heldRows.step() {
                let row = StoredRow(heldRows)
                heldItems.append(
                    OutboxSummary.HeldItem(
                        id: heldRows.string(at: 0) ?? "", reason: heldRows.string(at: 1) ?? "(no reason stored)",
                        heldAt: try? row.time(2, "held_at"), createdAt: try? row.time(3, "created_at"),
                        attempts: (try? row.integer(4, "attempts")) ?? 0, lastError: heldRows.string(at: 5)))
            }
            return OutboxSummary(
                pending: counts[.pending] ?? 0, delivered: counts[.delivered] ?? 0, held: counts[.held] ?? 0,
                oldestPendingAge: age(oldest[.pending]), oldestUnsentAge: age(unsent), heldItems: heldItems)
        }
    }

    /// When the next pending measurement comes due, `nil` when none is pending. A damaged due
    /// time counts as due at once (``pendingDeliveries(dueBy:limit:)`` quarantines it).
    public func nextDueDate() throws -> Date? {
        try database.withLock { database in
            let statement = try database.prepare(
                """
                SELECT min(CASE WHEN typeof(next_attempt_at) IN ('real', 'integer') THEN next_attempt_at ELSE 0 END)
                FROM deliveries WHERE state = 'pending'
                """)
            guard try statement.step(), !statement.isNull(at: 0) else { return nil }
            return Date(timeIntervalSince1970: statement.double(at: 0))
        }
    }

    /// Makes every pending measurement due later than `limit` due at `date` instead; returns how
    /// many were moved.
    ///
    /// Due times are wall-clock times, so after the clock stepped back a day a backoff would
    /// last a day; the uploader calls this with `limit` = now + the longest delay its policy can
    /// give, so no due time is ever further away than that.
    @discardableResult
    public func pullForward(dueAfter limit: Date, to date: Date) throws -> Int {
        try database.withLock { database in
            let statement = try database.prepare(
                """
                UPDATE deliveries SET next_attempt_at = ?
                WHERE state = 'pending' AND typeof(next_attempt_at) IN ('real', 'integer') AND next_attempt_at > ?
                """)
            try statement.bind(date.timeIntervalSince1970, at: 1)
            try statement.bind(limit.timeIntervalSince1970, at: 2)
            _ = try statement.step()
            return Int(database.changes)
        }
    }

    /// Runs one state-changing UPDATE whose last parameter is the measurement id; when it
    /// changes nothing, explains why (or accepts a repeat of the same transition).
    private func transition(
        id: UUID, action: String, allowedFrom: Set<DeliveryState>, idempotentIn: DeliveryState?, sql: String,
        values: [SQLiteValue]
    ) throws {
        try database.withLock { database in
            try database.transaction {
                let statement = try database.prepare(sql)
                try statement.bind(values + [.text(id.uuidString.lowercased())])
                _ = try statement.step()
                guard database.changes == 0 else { return }
                guard let state = try Self.state(of: id, in: database) else {
                    throw OutboxError.unknownMeasurement(id: id)
                }
                guard state == idempotentIn else {
                    throw OutboxError.notAllowed(id: id, action: action, state: state)
                }
            }
        }
    }

    /// The source as compact JSON with sorted keys, or NULL when the device told nothing.
    private static func sourceText(_ source: DeviceSource?) throws -> SQLiteValue {
        guard let source, !source.isEmpty else { return .null }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .text(String(decoding: try encoder.encode(source), as: UTF8.self))
    }

    private static func state(of id: UUID, in database: SQLiteDatabase) throws -> DeliveryState? {
        let statement = try database.prepare("SELECT state FROM deliveries WHERE measurement_id = ?")
        try statement.bind(id.uuidString.lowercased(), at: 1)
        guard try statement.step() else { return nil }
        return statement.string(at: 0).flatMap(DeliveryState.init(rawValue:))
    }
}

/// Reads a result row defensively: SQLite keeps whatever storage class a value was written
/// with, so a damaged row can hold text where a number belongs. Each accessor checks the class.
private struct StoredRow {
    let statement: SQLiteStatement

    init(_ statement: SQLiteStatement) {
        self.statement = statement
    }

    /// A measurement in the column order of `MeasurementStore.measurementColumns` (id, visit_id,
    /// device, profile, systolic, diastolic, map, pulse, measured_at, recorded_at, clock, source),
    /// starting at `first`.
    func measurement(from first: Int32) throws(RowDamage) -> MeasurementRecord {
        let idText = try text(first, "id")
        guard let id = UUID(uuidString: idText) else {
            throw RowDamage(description: "id \"\(idText)\" is not a UUID")
        }
        let reading = BloodPressureReading(
            systolic: try integer(first + 4, "systolic"), diastolic: try integer(first + 5, "diastolic"),
            meanArterial: try integer(first + 6, "map"), pulse: try integer(first + 7, "pulse"),
            measuredAt: try time(first + 8, "measured_at"), clock: try clock(first + 10),
            source: try source(first + 11))
        return MeasurementRecord(
            id: id, visitID: try text(first + 1, "visit_id"), deviceID: try text(first + 2, "device"),
            profile: try text(first + 3, "profile"), reading: reading, recordedAt: try time(first + 9, "recorded_at"))
    }

    /// The row of `pendingDeliveries`: a measurement, then patient, attempts, next_attempt_at,
    /// last_error, created_at.
    func outboxItem() throws(RowDamage) -> OutboxItem {
        if statement.isNull(at: 0) { throw RowDamage(description: "its measurement row is missing") }
        let record = try measurement(from: 0)
        if statement.isNull(at: 12) { throw RowDamage(description: "its visit \(record.visitID) is missing") }
        return OutboxItem(
            record: record, patientID: try text(12, "patient"), attempts: try integer(13, "attempts"),
            nextAttemptAt: try time(14, "next_attempt_at"), lastError: statement.string(at: 15),
            createdAt: try time(16, "created_at"))
    }

    /// The reading's clock; NULL (a row stored before schema 4) was the room's.
    func clock(_ index: Int32) throws(RowDamage) -> BloodPressureReading.Clock {
        if statement.isNull(at: index) { return .room }
        let value = try text(index, "clock")
        guard let clock = BloodPressureReading.Clock(rawValue: value) else {
            throw RowDamage(description: "clock is \"\(value)\", expected device or room")
        }
        return clock
    }

    /// The reading's source device; NULL is none. JSON that does not decode is damage, not "no
    /// source": the row is quarantined rather than uploaded as if no device were known.
    func source(_ index: Int32) throws(RowDamage) -> DeviceSource? {
        if statement.isNull(at: index) { return nil }
        let value = try text(index, "source")
        do {
            return try JSONDecoder().decode(DeviceSource.self, from: Data(value.utf8))
        } catch {
            throw RowDamage(description: "source is not a device description (\(error))")
        }
    }

    func text(_ index: Int32, _ column: String) throws(RowDamage) -> String {
        guard case .text(let value) = statement.value(at: index) else { throw damage(index, column, "text") }
        return value
    }

    func integer(_ index: Int32, _ column: String) throws(RowDamage) -> Int {
        guard case .integer(let value) = statement.value(at: index) else { throw damage(index, column, "an integer") }
        return Int(value)
    }

    func time(_ index: Int32, _ column: String) throws(RowDamage) -> Date {
        switch statement.value(at: index) {
        case .real(let seconds) where seconds.isFinite: return Date(timeIntervalSince1970: seconds)
        case .integer(let seconds): return Date(timeIntervalSince1970: Double(seconds))
        default: throw damage(index, column, "a time")
        }
    }

    private func damage(_ index: Int32, _ column: String, _ expected: String) -> RowDamage {
        let found =
            switch statement.value(at: index) {
            case .integer: "an integer"
            case .real: "a number"
            case .text: "text"
            case .blob: "a blob"
            case .null: "NULL"
            }
        return RowDamage(description: "\(column) is \(found), expected \(expected)")
    }
}

/// What is wrong with a stored row, for the quarantine reason.
private struct RowDamage: Error, CustomStringConvertible {
    let description: String
}

/// Why the state database cannot be used.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case corrupt(path: String, problems: [String])
    case newerSchema(path: String, found: Int64, supported: Int64)

    public var description: String {
        switch self {
        case .corrupt(let path, let problems):
            "the state database \(path) failed its integrity check (\(problems.prefix(3).joined(separator: "; "))); "
                + "stop vhrd, move the file aside for analysis and start again"
        case .newerSchema(let path, let found, let supported):
            "the state database \(path) has schema version \(found) but this vhrd knows only up to \(supported); "
                + "install the newer vhrd that wrote it"
        }
    }
}
