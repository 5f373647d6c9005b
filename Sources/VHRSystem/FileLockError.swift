/// Failure to take the daemon's lock file.
public struct FileLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the lock was not taken.
    public enum Code: Sendable, Hashable {
        /// Another open file (another vhrd, or another lock in this process) holds the lock;
        /// the pid it wrote, if readable.
        case held(pid: Int32?)
        /// Opening or locking the file failed; see `errno`.
        case system
    }

    /// Why the lock was not taken.
    public var code: Code
    /// The lock file.
    public var path: String
    /// The underlying system error for `.system`.
    public var errno: Errno?

    public init(_ code: Code, path: String, errno: Errno? = nil) {
        self.code = code
        self.path = path
        self.errno = errno
    }

    /// The directory the lock protects: the one that contains the lock file.
    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public var description: String {
        switch code {
        case .held(let pid?):
            return "another vhrd (pid \(pid)) is using \(directory) (it holds \(path)); stop it first"
        case .held(nil):
            return "another vhrd is using \(directory) (it holds \(path)); stop it first"
        case .system:
            let reason = errno.map(String.init(describing:)) ?? "failed"
            return "cannot lock \(path): \(reason); vhrd needs write access to \(directory)"
        }
    }
}
