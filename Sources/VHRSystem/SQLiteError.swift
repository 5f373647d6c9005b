import CSQLite

/// A failed SQLite call: the codes, SQLite's own message, what vhr was doing, and a hint.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary result code (`SQLITE_FULL`, `SQLITE_BUSY`, …).
    public var code: Int32
    /// The extended result code (`SQLITE_IOERR_WRITE`, `SQLITE_CONSTRAINT_UNIQUE`, …).
    public var extendedCode: Int32
    /// SQLite's message (`sqlite3_errmsg`), e.g. "database or disk is full".
    public var message: String
    /// What vhr was doing: "open", "prepare", "step", "execute", "bind", ….
    public var operation: String
    /// The statement, when there was one.
    public var sql: String?
    /// The database file.
    public var path: String?

    public init(
        extendedCode: Int32, message: String, operation: String, sql: String? = nil, path: String? = nil
    ) {
        self.code = extendedCode & 0xff
        self.extendedCode = extendedCode
        self.message = message
        self.operation = operation
        self.sql = sql
        self.path = path
    }

    /// A coarse classification for callers that react differently (retry when busy, report a
    /// constraint violation as bad input, …).
    public enum Kind: Sendable, Hashable {
        case full, readOnly, cannotOpen, permission, busy, locked, constraint, corrupt, ioError, other
    }

    /// The class of failure.
    public var kind: Kind {
        switch code {
        case SQLITE_FULL: .full
        case SQLITE_READONLY: .readOnly
        case SQLITE_CANTOPEN: .cannotOpen
        case SQLITE_PERM, SQLITE_AUTH: .permission
        case SQLITE_BUSY: .busy
        case SQLITE_LOCKED: .locked
        case SQLITE_CONSTRAINT: .constraint
        case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
        case SQLITE_IOERR: .ioError
        default: .other
        }
    }

    /// What a technician should do, when there is something obvious.
    public var hint: String? {
        switch kind {
        case .full: "the disk holding the state directory is full"
        case .readOnly, .cannotOpen, .permission: "vhrd needs write access to the state directory"
        case .busy, .locked:
            "another connection holds the database lock; is a second vhrd or an sqlite3 shell open on it?"
        case .corrupt: "the database file is damaged; move it aside and restart vhrd to start a new one"
        case .ioError: "the disk reported an I/O error; check the kernel log (journalctl -k)"
        case .constraint, .other: nil
        }
    }

    public var description: String {
        var text = "sqlite \(operation)"
        if let path { text += " \(path)" }
        text += ": \(message) (code \(code), extended \(extendedCode))"
        if let sql { text += " in \"\(sql)\"" }
        if let hint { text += "; \(hint)" }
        return text
    }
}
