import Glibc
import Synchronization

/// An exclusive lock on a file, held for the life of the daemon so that two vhrd processes
/// never share one state directory (two writers would corrupt the upload journal).
///
/// It is an `flock(2)` lock, which the kernel drops when the process dies, so a crash never
/// leaves a stale lock behind; the pid written into the file is only there for the message.
/// `flock` locks belong to an open file, so a second `FileLock` on the same path in the same
/// process is refused too.
public final class FileLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Mutex<FileDescriptor?>

    /// Takes the lock on `path` (creating the file, mode 0644) without waiting, and writes this
    /// process's pid into it.
    ///
    /// - Throws: `FileLockError` `.held(pid:)` when someone else holds it, naming their pid;
    ///   `.system` when the file cannot be opened or locked.
    ///
    /// The corresponding C functions are `open`, `flock`, `ftruncate` and `pwrite`.
    public init(path: String) throws(FileLockError) {
        self.path = path
        let fd: FileDescriptor
        do throws(Errno) {
            fd = try FileDescriptor.open(path, .readWrite, options: [.create, .noFollow], permissions: 0o644)
        } catch {
            throw FileLockError(.system, path: path, errno: error)
        }
        let locked: IOResult<CInt>
        do throws(Errno) {
            locked = try SystemCall.runNonBlocking("flock") { flock(fd.rawValue, LOCK_EX | LOCK_NB) }
            if case .value = locked {
                let text = Array("\(getpid())\n".utf8)
                _ = try SystemCall.run("ftruncate") { ftruncate(fd.rawValue, 0) }
                _ = try text.withUnsafeBytesTyped { (buffer) throws(Errno) in
                    try SystemCall.run("pwrite") { pwrite(fd.rawValue, buffer.baseAddress, buffer.count, 0) }
                }
            }
        } catch {
            try? fd.close()
            throw FileLockError(.system, path: path, errno: error)
        }
        guard case .value = locked else {
            let pid = Self.readPID(fd)
            try? fd.close()
            throw FileLockError(.held(pid: pid), path: path)
        }
        descriptor = Mutex(fd)
    }

    /// Whether this object still holds the lock.
    public var isHeld: Bool { descriptor.withLock { $0 != nil } }

    /// Releases the lock. The file stays (removing it would race with a starting daemon).
    /// Calling it again does nothing.
    ///
    /// The corresponding C function is `close`.
    public func release() {
        let fd = descriptor.withLock { (held: inout FileDescriptor?) -> FileDescriptor? in
            defer { held = nil }
            return held
        }
        guard let fd else { return }
        // Unlock before closing: a process forked meanwhile (another thread spawning a child)
        // shares the open file description until it execs, and would keep a plain close's lock.
        _ = try? SystemCall.run("flock") { flock(fd.rawValue, LOCK_UN) }
        try? fd.close()
    }

    deinit {
        release()
    }

    /// The pid the current holder wrote, if it has written one yet.
    private static func readPID(_ fd: FileDescriptor) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = try? bytes.withUnsafeMutableBytesTyped { (buffer) throws(Errno) in
            try SystemCall.run("pread") { pread(fd.rawValue, buffer.baseAddress, buffer.count, 0) }
        }
        guard let count, count > 0 else { return nil }
        let digits = bytes.prefix(count).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Int32(String(decoding: digits, as: UTF8.self))
    }
}
