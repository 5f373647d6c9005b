import CSQLite

// vhrd's store-and-forward journal lives in SQLite. This is the thin, typed layer over the C
// API: one connection per `SQLiteDatabase`, errors read from the connection right after the
// failing call (like errno, `sqlite3_errmsg` is overwritten by the next call).

/// One connection to an SQLite database file.
///
/// Not `Sendable`, on purpose: a connection and its statements must stay in one isolation
/// domain (in vhrd, the actor that owns the journal). The compiler enforces that; the
/// connection is additionally opened in SQLite's serialized mode as a seatbelt, which does not
/// make interleaved statements from several threads meaningful.
public final class SQLiteDatabase {
    /// The database file.
    public let path: String
    let handle: OpaquePointer

    /// Opens (and optionally creates) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - create: Create the file if it does not exist.
    /// - Throws: `SQLiteError` with a hint (`.cannotOpen`/`.readOnly`: write access to the
    ///   state directory; `.full`: the disk is full).
    ///
    /// The corresponding C function is `sqlite3_open_v2`.
    public init(path: String, create: Bool = true) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        if create { flags |= SQLITE_OPEN_CREATE }
        var opened: OpaquePointer?
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard result == SQLITE_OK, let opened else {
            // Even a failed open usually allocates a handle, which carries the message.
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_close_v2(opened)
            throw SQLiteError(extendedCode: result, message: message, operation: "open", path: path)
        }
        handle = opened
    }

    deinit {
        // _v2: statements still alive keep the connection until they are finalized.
        sqlite3_close_v2(handle)
    }

    // MARK: - Statements

    /// Runs one or more statements that return no rows (DDL, PRAGMAs with no result, …).
    ///
    /// The corresponding C function is `sqlite3_exec`.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard result != SQLITE_OK else { return }
        let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
        sqlite3_free(errorMessage)
        throw SQLiteError(
            extendedCode: sqlite3_extended_errcode(handle), message: message, operation: "execute", sql: sql,
            path: path)
    }

    /// Compiles one statement.
    ///
    /// - Throws: `SQLiteError` for a syntax error or a missing table, naming the SQL.
    ///
    /// The corresponding C function is `sqlite3_prepare_v2`.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard result == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw error(result == SQLITE_OK ? SQLITE_MISUSE : result, "prepare", sql: sql)
        }
        return SQLiteStatement(database: self, handle: statement, sql: sql)
    }

    /// Runs `body` in a write transaction: `BEGIN IMMEDIATE` (take the write lock now, so a
    /// conflict shows up here and not halfway through), `COMMIT` if `body` returns,
    /// `ROLLBACK` if it throws. Transactions do not nest.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws (after rolling back), or an `SQLiteError` from BEGIN/COMMIT.
    public func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        precondition(sqlite3_get_autocommit(handle) != 0, "SQLiteDatabase.transaction does not nest")
        try execute("BEGIN IMMEDIATE")
        let result: Result
        do {
            result = try body()
        } catch {
            // The original error matters more than a failed rollback (SQLite may already have
            // rolled back on its own, e.g. after SQLITE_FULL).
            try? execute("ROLLBACK")
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        return result
    }

    /// The rowid of the last successful INSERT on this connection.
    ///
    /// The corresponding C function is `sqlite3_last_insert_rowid`.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    ///
    /// The corresponding C function is `sqlite3_changes64`.
    public var changes: Int64 { sqlite3_changes64(handle) }

    // MARK: - PRAGMAs

    /// Switches to write-ahead logging (readers never block the writer; a crash loses nothing
    /// committed). The setting is stored in the file.
    ///
    /// - Throws: `SQLiteError`, also when SQLite keeps another mode (the file system may not
    ///   support WAL's shared memory).
    ///
    /// The corresponding statement is `PRAGMA journal_mode=WAL`.
    public func setJournalModeWAL() throws(SQLiteError) {
        let mode = try pragmaStrings("PRAGMA journal_mode=WAL").first ?? ""
        guard mode.lowercased() == "wal" else {
            throw SQLiteError(
                extendedCode: SQLITE_ERROR, message: "journal mode stayed \(mode) instead of wal",
                operation: "pragma", sql: "PRAGMA journal_mode=WAL", path: path)
        }
    }

    /// Makes every commit durable before it returns (fsync on each commit), which the upload
    /// journal needs: a measurement acknowledged to the room must survive a power cut.
    ///
    /// The corresponding statement is `PRAGMA synchronous=FULL`.
    public func setSynchronousFull() throws(SQLiteError) {
        try execute("PRAGMA synchronous=FULL")
    }

    /// How long a statement waits for another connection's lock before failing with
    /// `SQLITE_BUSY`.
    ///
    /// The corresponding C function is `sqlite3_busy_timeout`.
    public func setBusyTimeout(milliseconds: Int32) throws(SQLiteError) {
        let result = sqlite3_busy_timeout(handle, milliseconds)
        guard result == SQLITE_OK else { throw error(result, "busy_timeout") }
    }

    /// The schema version the application stored (0 for a new database), for migrations.
    ///
    /// The corresponding statement is `PRAGMA user_version`.
    public func userVersion() throws(SQLiteError) -> Int64 {
        let statement = try prepare("PRAGMA user_version")
        _ = try statement.step()
        return statement.int64(at: 0)
    }

    /// Stores the schema version, for migrations.
    ///
    /// The corresponding statement is `PRAGMA user_version = n`.
    public func setUserVersion(_ version: Int64) throws(SQLiteError) {
        try execute("PRAGMA user_version = \(version)")
    }

    /// Checks the whole file for damage.
    ///
    /// - Returns: `["ok"]` for a sound database, otherwise one line per problem found.
    ///
    /// The corresponding statement is `PRAGMA integrity_check`.
    public func integrityCheck() throws(SQLiteError) -> [String] {
        try pragmaStrings("PRAGMA integrity_check")
    }

    // MARK: - Internals

    private func pragmaStrings(_ sql: String) throws(SQLiteError) -> [String] {
        let statement = try prepare(sql)
        var lines: [String] = []
        while try statement.step() {
            lines.append(statement.string(at: 0) ?? "")
        }
        return lines
    }

    /// The error for a failed call on this connection, read at once (the next call replaces it).
    func error(_ result: Int32, _ operation: String, sql: String? = nil) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        // The connection's code can be stale for API misuse caught before touching it.
        let code = extended & 0xff == result & 0xff ? extended : result
        return SQLiteError(
            extendedCode: code, message: String(cString: sqlite3_errmsg(handle)), operation: operation, sql: sql,
            path: path)
    }
}
