/// Sockets handed over by systemd that vhrd cannot use, with a message that says what to fix.
///
/// The fix is always in the socket unit (`vhrd.socket`): vhrd refuses to start rather than
/// serve on a socket that is not what the unit promised.
public struct SocketActivationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable {
        /// `$LISTEN_FDS` is not a small non-negative number.
        case badCount
        /// `$LISTEN_FDNAMES` names a different number of descriptors than `$LISTEN_FDS` counts.
        case namesMismatch
        /// A descriptor systemd said it passed is not open.
        case notOpen
        /// A descriptor is not a listening `AF_UNIX` `SOCK_STREAM` socket.
        case notAListeningUnixStream
        /// A system call on a passed descriptor failed; see `errno`.
        case system
    }

    /// What went wrong.
    public var code: Code
    /// The descriptor involved, if one.
    public var descriptor: CInt?
    /// Its name from `$LISTEN_FDNAMES`, if one.
    public var name: String?
    /// What was found, for the message (the variable's text, the socket's type).
    public var detail: String
    /// The underlying system error, if any.
    public var errno: Errno?

    public init(_ code: Code, descriptor: CInt? = nil, name: String? = nil, detail: String, errno: Errno? = nil) {
        self.code = code
        self.descriptor = descriptor
        self.name = name
        self.detail = detail
        self.errno = errno
    }

    public var description: String {
        let which = descriptor.map { "fd \($0)" + (name.map { " ('\($0)')" } ?? "") } ?? "the passed sockets"
        let fix = "check ListenStream= and FileDescriptorName= in vhrd.socket"
        switch code {
        case .badCount: return "LISTEN_FDS '\(detail)' is not a descriptor count; \(fix)"
        case .namesMismatch: return "LISTEN_FDNAMES '\(detail)' does not name every passed socket; \(fix)"
        case .notOpen: return "\(which) was announced in LISTEN_FDS but is not open; \(fix)"
        case .notAListeningUnixStream:
            return "\(which) is \(detail), not a listening Unix stream socket; use ListenStream=/run/vhr/NAME.sock"
        case .system:
            return "cannot inspect \(which): \(errno.map { "\($0)" } ?? detail); \(fix)"
        }
    }
}
