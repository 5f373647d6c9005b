/// A failure to tell systemd about the daemon's state, with a message that says what to do.
///
/// Never fatal for vhrd: a lost notification at worst makes systemd wait for `READY=1` or
/// miss one watchdog ping, and the next one is sent on time.
public struct SystemdNotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable {
        /// `$NOTIFY_SOCKET` is neither an absolute path nor an `@abstract` name.
        case unsupportedAddress
        /// The address does not fit in `sockaddr_un.sun_path`.
        case addressTooLong
        /// `socket` or `sendmsg` failed; see `errno`.
        case system
    }

    /// What went wrong.
    public var code: Code
    /// The `$NOTIFY_SOCKET` value involved.
    public var address: String
    /// The underlying system error, if any.
    public var errno: Errno?

    public init(_ code: Code, address: String, errno: Errno? = nil) {
        self.code = code
        self.address = address
        self.errno = errno
    }

    public var description: String {
        switch code {
        case .unsupportedAddress:
            "NOTIFY_SOCKET '\(address)' is not an absolute path or an @abstract name; "
                + "run vhrd from a systemd unit with Type=notify, or unset NOTIFY_SOCKET"
        case .addressTooLong:
            "NOTIFY_SOCKET '\(address)' is longer than a Unix socket address may be; use a shorter path"
        case .system:
            "cannot notify systemd at '\(address)': \(errno.map { "\($0)" } ?? "unknown error"); "
                + "check that the service has NotifyAccess=main and AF_UNIX in RestrictAddressFamilies="
        }
    }
}
