import Testing
import VHRSystem

@Suite struct SQLiteDatabaseTests {
    private struct Abort: Error {}

    private func makeDatabase(_ directory: TemporaryDirectory) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: directory.file("state.db"))
        try database.setJournalModeWAL()
        try database.setSynchronousFull()
        try database.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n TEXT UNIQUE)")
        return database
    }

    @Test func roundTripsEveryStorageClass() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = try makeDatabase(directory)
        let insert = try database.prepare("INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)")
        try insert.bind(Int64.min, at: 1)
        try insert.bind(72.5, at: 2)
        try insert.bind("Grüße, \"quoted\"\nline", at: 3)
        try insert.bind([0, 1, 255] as [UInt8], at: 4)
        try insert.bindNull(at: 5)
        #expect(try !insert.step())
        #expect(database.lastInsertRowID == 1)
        #expect(database.changes == 1)
        insert.reset()
        try insert.bind([.integer(7), .real(-1), .text(""), .blob([]), .text("x")])
        #expect(try !insert.step())

        let select = try database.prepare("SELECT i, r, s, b, n FROM t ORDER BY id")
        #expect(select.columnCount == 5)
        #expect(try select.step())
        #expect(select.int64(at: 0) == Int64.min)
        #expect(select.double(at: 1) == 72.5)
        #expect(select.string(at: 2) == "Grüße, \"quoted\"\nline")
        #expect(select.blob(at: 3) == [0, 1, 255])
        #expect(select.isNull(at: 4))
        #expect(select.string(at: 4) == nil)
        #expect(try select.step())
        #expect((0..<5).map { select.value(at: $0) } == [.integer(7), .real(-1), .text(""), .blob([]), .text("x")])
        #expect(try !select.step())
    }

    @Test func transactionCommitsOrRollsBack() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = try makeDatabase(directory)
        let count = { () throws -> Int64 in
            let statement = try database.prepare("SELECT count(*) FROM t")
            _ = try statement.step()
            return statement.int64(at: 0)
        }
        let value = try database.transaction {
            try database.execute("INSERT INTO t (i) VALUES (1)")
            return "done"
        }
        #expect(value == "done")
        #expect(try count() == 1)

        #expect(throws: Abort.self) {
            try database.transaction {
                try database.execute("INSERT INTO t (i) VALUES (2)")
                try database.execute("INSERT INTO t (i) VALUES (3)")
                throw Abort()
            }
        }
        #expect(try count() == 1, "both inserts were rolled back")
        // The connection is usable again (no transaction left open).
        try database.transaction { try database.execute("INSERT INTO t (i) VALUES (4)") }
        #expect(try count() == 2)
    }

    @Test func integrityCheckAndUserVersion() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = try makeDatabase(directory)
        #expect(try database.integrityCheck() == ["ok"])
        #expect(try database.userVersion() == 0)
        try database.setUserVersion(3)
        #expect(try database.userVersion() == 3)
        #expect(Directories.fileExists(path: directory.file("state.db-wal")), "WAL mode is on")
    }

    @Test func cannotOpenNamesThePathAndTheFix() {
        // /proc refuses new files even to root, so this fails the same way for every user.
        let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: "/proc/vhr-test/state.db") }
        #expect(error?.kind == .cannotOpen)
        #expect(error?.hint == "vhrd needs write access to the state directory")
        #expect(
            error?.description.hasPrefix("sqlite open /proc/vhr-test/state.db: unable to open database file") == true)

        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let missing = #expect(throws: SQLiteError.self) {
            try SQLiteDatabase(path: directory.file("missing.db"), create: false)
        }
        #expect(missing?.kind == .cannotOpen)
    }

    @Test func readOnlyWritesCarryTheHint() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = try makeDatabase(directory)
        try database.execute("PRAGMA query_only = ON")
        let error = #expect(throws: SQLiteError.self) { try database.execute("INSERT INTO t (i) VALUES (1)") }
        #expect(error?.kind == .readOnly)
        #expect(error?.sql == "INSERT INTO t (i) VALUES (1)")
        #expect(error?.description.hasSuffix("; vhrd needs write access to the state directory") == true)
    }

    @Test func fullDatabaseCarriesTheHint() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = try makeDatabase(directory)
        // A page cap makes SQLite report exactly what a full disk reports.
        try database.execute("PRAGMA max_page_count = 8")
        let insert = try database.prepare("INSERT INTO t (b) VALUES (?)")
        try insert.bind([UInt8](repeating: 7, count: 64 * 1024), at: 1)
        let error = #expect(throws: SQLiteError.self) { _ = try insert.step() }
        #expect(error?.kind == .full)
        #expect(error?.operation == "step")
        #expect(error?.hint == "the disk holding the state directory is full")
    }

    @Test func constraintAndSyntaxErrorsNameTheSQL() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let database = try makeDatabase(directory)
        try database.execute("INSERT INTO t (n) VALUES ('a')")
        let duplicate = #expect(throws: SQLiteError.self) { try database.execute("INSERT INTO t (n) VALUES ('a')") }
        #expect(duplicate?.kind == .constraint)
        #expect(duplicate?.extendedCode == 2067, "SQLITE_CONSTRAINT_UNIQUE")
        #expect(duplicate?.hint == nil)

        let syntax = #expect(throws: SQLiteError.self) { try database.prepare("SELEKT 1") }
        #expect(syntax?.operation == "prepare")
        #expect(syntax?.sql == "SELEKT 1")
        #expect(syntax?.message.contains("syntax error") == true)
    }

    static let kinds: [(Int32, SQLiteError.Kind)] = [
        (5, .busy), (6, .locked), (13, .full), (8, .readOnly), (14, .cannotOpen), (11, .corrupt), (26, .corrupt),
        (10, .ioError), (19, .constraint), (1, .other),
    ]

    @Test(arguments: kinds)
    func kindsFromCodes(code: Int32, kind: SQLiteError.Kind) {
        // Extended codes carry the primary code in their low byte.
        let error = SQLiteError(extendedCode: code | (3 << 8), message: "m", operation: "step")
        #expect(error.code == code)
        #expect(error.kind == kind)
        #expect((error.hint != nil) == (kind != .other && kind != .constraint))
    }
}
