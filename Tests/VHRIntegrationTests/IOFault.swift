import Foundation

/// One libfiu failure point in vhrd's libc I/O, as the remote-control command that raises it.
///
/// libfiu cannot fail "the Nth call" of a function; it fails every call (persistent), only the
/// first after it was enabled (`onetime`), or only calls made from inside a named function
/// (`enable_stack_by_name`). The I/O-loop test therefore varies which call fails and how.
struct IOFault: CustomStringConvertible, Sendable {
    /// libfiu's point name, such as `posix/io/sync/*` (fsync and fdatasync).
    var point: String
    /// The errno the failing call sets (libfiu's `failinfo`): EIO unless told.
    var errno: Int32 = EIO
    /// Only the first call after enabling fails.
    var onetime = false
    /// Only calls made while this exported function is on the stack fail (such as `sqlite3_step`,
    /// so the daemon's sockets and log keep working).
    var inside: String?

    /// The `fiu-ctrl -c` / `fiu-run -c` command that raises the fault.
    var enableCommand: String {
        var command = inside == nil ? "enable" : "enable_stack_by_name"
        command += " name=\(point),failinfo=\(errno)"
        if let inside { command += ",func_name=\(inside)" }
        if onetime { command += ",onetime" }
        return command
    }

    /// The command that clears it.
    var disableCommand: String { "disable name=\(point)" }

    var description: String {
        let name = errno == ENOSPC ? "ENOSPC" : errno == EIO ? "EIO" : "errno \(errno)"
        return "\(point) \(name)\(onetime ? " once" : "")\(inside.map { " inside \($0)" } ?? "")"
    }

    /// fsync and fdatasync fail: SQLite's commit (WAL, synchronous=FULL) cannot make the WAL durable.
    static let sync = IOFault(point: "posix/io/sync/*")
    /// Every pwrite fails, the way SQLite writes WAL frames.
    static let write = IOFault(point: "posix/io/rw/pwrite")
    /// The disk is full: SQLite's frame writes fail with ENOSPC (SQLITE_FULL).
    static let diskFull = IOFault(point: "posix/io/rw/pwrite", errno: ENOSPC)
}
