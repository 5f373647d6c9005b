/// A failure to set up or reach a vhrd Unix socket, with a message that says what to do.
public struct UnixSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely, so callers (and `vhrctl`'s exit status) can branch on it.
    public enum Code: Sendable, Hashable {
        /// The path does not fit in `sockaddr_un.sun_path` (107 bytes plus the terminator).
        case pathTooLong
        /// A live vhrd already listens on the path.
        case alreadyRunning
        /// Something that is not a socket is in the way; vhr never deletes it.
        case notASocket
        /// No socket exists at the path (`ENOENT` on connect).
        case notFound
        /// The caller may not use the socket (`EACCES`/`EPERM`).
        case permissionDenied
        /// A socket file exists but nobody listens on it (`ECONNREFUSED`).
        case connectionRefused
        /// Any other system error; see `errno`.
        case system
    }

    /// What went wrong.
    public var code: Code
    /// The socket path involved.
    public var path: String
    /// The step that failed: "socket", "bind", "listen", "chmod", "connect", "unlink", ….
    public var operation: String
    /// The underlying system error, if any.
    public var errno: Errno?

    public init(_ code: Code, path: String, operation: String, errno: Errno? = nil) {
        self.code = code
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    /// The directory that holds the socket, for hints.
    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public var description: String {
        switch code {
        case .pathTooLong:
            return "socket path \(path) is \(path.utf8.count) bytes, but Unix socket paths must be at most "
                + "\(UnixSocket.maximumPathLength) bytes; choose a shorter runtime directory"
        case .alreadyRunning:
            return "another vhrd is already running on \(path); stop it first (systemctl stop vhrd)"
        case .notASocket:
            return "\(path) exists and is not a socket; vhrd will not delete it. "
                + "Move it away or configure another socket path"
        case .notFound:
            return "no socket at \(path): is vhrd running? its sockets are in \(directory)"
        case .permissionDenied:
            return "permission denied on \(path) (\(operation)): add yourself to group vhr "
                + "(sudo usermod -aG vhr $USER, then log in again)"
        case .connectionRefused:
            return "nothing is listening on \(path) (connection refused): vhrd is not running or has "
                + "crashed; start it with systemctl start vhrd"
        case .system:
            return "\(operation) \(path): \(errno.map(String.init(describing:)) ?? "failed")"
        }
    }
}
