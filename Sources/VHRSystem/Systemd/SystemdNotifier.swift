import Glibc

// sd_notify(3) spoken directly, as bluez's mainloop-notify.c does: one datagram per message to
// the socket named in $NOTIFY_SOCKET, so vhr needs no libsystemd. systemd reads the sender's
// pid from SCM_CREDENTIALS, which the kernel attaches itself; with NotifyAccess=main only the
// daemon's main process is believed, so the datagram must leave from that process (any thread).

/// Tells systemd the daemon's state: `READY=1`, `STATUS=…`, `WATCHDOG=1`, `STOPPING=1`.
///
/// Outside systemd (`$NOTIFY_SOCKET` unset) every call does nothing, so the daemon calls it
/// unconditionally.
public struct SystemdNotifier: Sendable {
    /// Where the notifications go.
    public enum Address: Sendable, Hashable, CustomStringConvertible {
        /// A socket file, e.g. `/run/systemd/notify`.
        case path(String)
        /// A name in the abstract namespace (`@name` in `$NOTIFY_SOCKET`), without the `@`.
        case abstract(String)

        /// Parses a `$NOTIFY_SOCKET` value.
        /// - Throws: `SystemdNotifyError` (`.unsupportedAddress`, `.addressTooLong`).
        public init(_ value: String) throws(SystemdNotifyError) {
            if value.hasPrefix("@"), value.utf8.count > 1 {
                self = .abstract(String(value.dropFirst()))
            } else if value.hasPrefix("/") {
                self = .path(value)
            } else {
                throw SystemdNotifyError(.unsupportedAddress, address: value)
            }
            guard !value.utf8.contains(0) else { throw SystemdNotifyError(.unsupportedAddress, address: value) }
            // A path needs room for its terminating NUL; an abstract name (with its leading NUL) does not.
            let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
            guard value.utf8.count < capacity || (value.hasPrefix("@") && value.utf8.count == capacity) else {
                throw SystemdNotifyError(.addressTooLong, address: value)
            }
        }

        /// The address as written in `$NOTIFY_SOCKET`.
        public var description: String {
            switch self {
            case .path(let path): path
            case .abstract(let name): "@" + name
            }
        }
    }

    /// Where notifications go, or nil when the daemon does not run under systemd.
    public let address: Address?

    /// A notifier for `address`; nil makes every call a no-op.
    public init(address: Address?) {
        self.address = address
    }

    /// The notifier systemd asked for through `$NOTIFY_SOCKET`, or a no-op one when it is unset.
    /// - Throws: `SystemdNotifyError` when the variable is set but unusable.
    public init(environment: [String: String]) throws(SystemdNotifyError) {
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else {
            self.init(address: nil)
            return
        }
        self.init(address: try Address(value))
    }

    /// Whether notifications go anywhere.
    public var isEnabled: Bool { address != nil }

    /// Startup is complete: systemd starts the units ordered after this one.
    public func ready(status: String? = nil) throws(SystemdNotifyError) {
        try send(["READY=1"] + (status.map { [Self.statusLine($0)] } ?? []))
    }

    /// A one-line description of the daemon's state, shown by `systemctl status`.
    public func status(_ text: String) throws(SystemdNotifyError) {
        try send([Self.statusLine(text)])
    }

    /// Resets systemd's watchdog timer: the daemon is making progress.
    public func watchdog() throws(SystemdNotifyError) {
        try send(["WATCHDOG=1"])
    }

    /// The daemon is shutting down, so a slow exit is not taken for a hang.
    public func stopping(status: String? = nil) throws(SystemdNotifyError) {
        try send(["STOPPING=1"] + (status.map { [Self.statusLine($0)] } ?? []))
    }

    /// Sends `assignments` (`KEY=value`, one per line) in one datagram.
    ///
    /// The corresponding C functions are `socket` and `sendmsg`.
    public func send(_ assignments: [String]) throws(SystemdNotifyError) {
        guard let address else { return }
        let message = Array(assignments.joined(separator: "\n").utf8)
        let socket: CInt
        do throws(Errno) {
            socket = try SystemCall.run("socket") {
                Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            }
        } catch {
            throw SystemdNotifyError(.system, address: address.description, errno: error)
        }
        defer { _ = Glibc.close(socket) }
        var (storage, length) = Self.socketAddress(address)
        do throws(Errno) {
            _ = try message.withUnsafeBytesTyped { (bytes) throws(Errno) -> Int in
                var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
                return try withUnsafeMutablePointer(to: &storage) { (name) throws(Errno) -> Int in
                    try withUnsafeMutablePointer(to: &vector) { (vectorPointer) throws(Errno) -> Int in
                        var header = msghdr()
                        header.msg_name = UnsafeMutableRawPointer(name)
                        header.msg_namelen = length
                        header.msg_iov = vectorPointer
                        header.msg_iovlen = 1
                        return try SystemCall.run("sendmsg") { sendmsg(socket, &header, CInt(MSG_NOSIGNAL)) }
                    }
                }
            }
        } catch {
            throw SystemdNotifyError(.system, address: address.description, errno: error)
        }
    }

    /// How often the daemon must send `WATCHDOG=1` at most apart, from `$WATCHDOG_USEC`, or nil
    /// when systemd does not watch this process (unset, unparsable, zero, or `$WATCHDOG_PID`
    /// names another process).
    ///
    /// The caller pets at half this interval, as sd_watchdog_enabled(3) advises.
    public static func watchdogTimeout(environment: [String: String], pid: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let owner = Int32(owner), owner == pid else { return nil }
        }
        return .microseconds(microseconds)
    }

    /// `STATUS=` with the text on one line: a newline would end the assignment early.
    static func statusLine(_ text: String) -> String {
        "STATUS=" + String(text.map { $0.isNewline ? " " : $0 })
    }

    /// The address in a `sockaddr_un`, and its length: a path with its NUL, an abstract name as
    /// a leading NUL and the name's bytes only (trailing zeros would be part of the name).
    private static func socketAddress(_ address: Address) -> (sockaddr_un, socklen_t) {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes: [UInt8]
        switch address {
        case .path(let path): bytes = Array(path.utf8)
        case .abstract(let name): bytes = [0] + Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in raw.copyBytes(from: bytes) }
        let header = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        switch address {
        case .path: return (storage, socklen_t(header + bytes.count + 1))
        case .abstract: return (storage, socklen_t(header + bytes.count))
        }
    }
}
