import Foundation
import Synchronization
import VHRCore
import VHRSystem

/// The room's durable record in the state directory: visits and the measurements taken in
/// them, in one SQLite database.
///
/// A measurement is reported to the kiosk only after its row is committed (WAL,
/// `synchronous=FULL`), so a power cut after "saved" loses nothing.
public final class MeasurementStore: Sendable {
    /// Bumped whenever the schema changes; a database from a newer vhrd is refused.
    static let schemaVersion: Int64 = 1

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
        try database.transaction {
            try database.execute(
                """
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
                """)
            try database.setUserVersion(schemaVersion)
        }
    }

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

    /// Stores a measurement durably; returns only after the commit.
    public func save(_ record: MeasurementRecord) throws {
        try database.withLock { database in
            try database.transaction {
                let statement = try database.prepare(
                    """
                    INSERT INTO measurements
                        (id, visit_id, device, profile, systolic, diastolic, map, pulse, measured_at, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
                _ = try statement.step()
            }
        }
    }

    public func measurements(visitID: String) throws -> [MeasurementRecord] {
        try database.withLock { database in
            let statement = try database.prepare(
                """
                SELECT id, visit_id, device, profile, systolic, diastolic, map, pulse, measured_at, recorded_at
                FROM measurements WHERE visit_id = ? ORDER BY recorded_at, rowid
                """)
            try statement.bind(visitID, at: 1)
            var records: [MeasurementRecord] = []
            while try statement.step() {
                let reading = BloodPressureReading(
                    systolic: Int(statement.int64(at: 4)), diastolic: Int(statement.int64(at: 5)),
                    meanArterial: Int(statement.int64(at: 6)), pulse: Int(statement.int64(at: 7)),
                    measuredAt: Date(timeIntervalSince1970: statement.double(at: 8)))
                records.append(
                    MeasurementRecord(
                        id: UUID(uuidString: statement.string(at: 0) ?? "") ?? UUID(),
                        visitID: statement.string(at: 1) ?? "", deviceID: statement.string(at: 2) ?? "",
                        profile: statement.string(at: 3) ?? "", reading: reading,
                        recordedAt: Date(timeIntervalSince1970: statement.double(at: 9))))
            }
            return records
        }
    }

    public func measurementCount() throws -> Int {
        try database.withLock { database in
            let statement = try database.prepare("SELECT count(*) FROM measurements")
            _ = try statement.step()
            return Int(statement.int64(at: 0))
        }
    }
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
