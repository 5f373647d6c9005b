import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before the bind call returns, so the
/// Swift buffers may go away at once. The C macro is a cast of -1 and does not import.
private let transientDestructor = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A compiled statement of one `SQLiteDatabase`; finalized when released.
///
/// Parameters are numbered from 1 and result columns from 0, as in SQLite's C API. Like its
/// database, a statement is not `Sendable`.
public final class SQLiteStatement {
    /// The SQL text, for error messages.
    public let sql: String
    private let database: SQLiteDatabase  // keeps the connection open while we exist
    private let handle: OpaquePointer

    init(database: SQLiteDatabase, handle: OpaquePointer, sql: String) {
        self.database = database
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: - Binding

    /// Binds an integer to parameter `index` (from 1).
    ///
    /// The corresponding C function is `sqlite3_bind_int64`.
    public func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value), "bind")
    }

    /// Binds a floating-point number to parameter `index` (from 1).
    ///
    /// The corresponding C function is `sqlite3_bind_double`.
    public func bind(_ value: Double, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, index, value), "bind")
    }

    /// Binds UTF-8 text to parameter `index` (from 1).
    ///
    /// The corresponding C function is `sqlite3_bind_text`.
    public func bind(_ value: String, at index: Int32) throws(SQLiteError) {
        let length = UInt64(value.utf8.count)
        let result = value.withCString { text in
            sqlite3_bind_text64(handle, index, text, length, transientDestructor, UInt8(SQLITE_UTF8))
        }
        try check(result, "bind")
    }

    /// Binds bytes to parameter `index` (from 1).
    ///
    /// The corresponding C function is `sqlite3_bind_blob64`.
    public func bind(_ value: [UInt8], at index: Int32) throws(SQLiteError) {
        let result = value.withUnsafeBytes { buffer in
            // sqlite3_bind_blob64 with a null pointer would bind NULL; use zeroblob for empty.
            buffer.baseAddress.map {
                sqlite3_bind_blob64(handle, index, $0, UInt64(buffer.count), transientDestructor)
            } ?? sqlite3_bind_zeroblob(handle, index, 0)
        }
        try check(result, "bind")
    }

    /// Binds NULL to parameter `index` (from 1).
    ///
    /// The corresponding C function is `sqlite3_bind_null`.
    public func bindNull(at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_null(handle, index), "bind")
    }

    /// Binds any storage class to parameter `index` (from 1).
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        switch value {
        case .integer(let integer): try bind(integer, at: index)
        case .real(let real): try bind(real, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let blob): try bind(blob, at: index)
        case .null: try bindNull(at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, … in order.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    // MARK: - Running

    /// Runs the statement to its next row.
    ///
    /// - Returns: `true` when a row is ready to read, `false` when the statement is done.
    /// - Throws: `SQLiteError` (constraint violations, `SQLITE_FULL`, `SQLITE_BUSY`, …).
    ///
    /// The corresponding C function is `sqlite3_step`.
    public func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let result: throw database.error(result, "step", sql: sql)
        }
    }

    /// Rewinds the statement and clears its bindings, ready to run again.
    ///
    /// The corresponding C functions are `sqlite3_reset` and `sqlite3_clear_bindings`.
    public func reset() {
        // sqlite3_reset repeats the last step's error, which step() already reported.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: - Reading the current row

    /// The number of columns in the result.
    ///
    /// The corresponding C function is `sqlite3_column_count`.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// Whether column `index` (from 0) of the current row is NULL.
    ///
    /// The corresponding C function is `sqlite3_column_type`.
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` (from 0) as an integer (0 for NULL).
    ///
    /// The corresponding C function is `sqlite3_column_int64`.
    public func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Column `index` (from 0) as a floating-point number (0 for NULL).
    ///
    /// The corresponding C function is `sqlite3_column_double`.
    public func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// Column `index` (from 0) as text, or `nil` for NULL.
    ///
    /// The corresponding C function is `sqlite3_column_text`.
    public func string(at index: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` (from 0) as bytes, or `nil` for NULL.
    ///
    /// The corresponding C function is `sqlite3_column_blob`.
    public func blob(at index: Int32) -> [UInt8]? {
        if isNull(at: index) { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        guard let bytes = sqlite3_column_blob(handle, index), count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `index` (from 0) in its own storage class.
    ///
    /// The corresponding C function is `sqlite3_column_type`.
    public func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(int64(at: index))
        case SQLITE_FLOAT: .real(double(at: index))
        case SQLITE_TEXT: .text(string(at: index) ?? "")
        case SQLITE_BLOB: .blob(blob(at: index) ?? [])
        default: .null
        }
    }

    private func check(_ result: Int32, _ operation: String) throws(SQLiteError) {
        guard result == SQLITE_OK else { throw database.error(result, operation, sql: sql) }
    }
}
