import Glibc

// AF_UNIX stream sockets for vhrd's control and audio endpoints.
//
// Invariants:
// - every socket is created close-on-exec; listeners and accepted connections are
//   non-blocking (the daemon polls them), client connections are blocking (the CLI waits);
// - `listen` never deletes anything but a socket file nobody answers on, so a typo in the
//   configuration cannot destroy a file, and a second daemon cannot steal a live one's path.

/// Creating, accepting and connecting Unix stream sockets, and their socket options.
public enum UnixSocket {
    /// The longest socket path the kernel accepts: `sun_path` less the NUL terminator.
    public static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    // MARK: - Server side

    /// Creates a non-blocking listening socket at `path`, readable and writable per `mode`.
    ///
    /// If a file already exists at `path`: a socket nobody answers on (left by a crashed
    /// daemon) is removed and replaced; a socket a live process answers on is an error; anything
    /// else is an error and is left untouched.
    ///
    /// The socket file exists with the umask's permissions between `bind` and `chmod`; the
    /// runtime directory itself (systemd's `RuntimeDirectoryMode`) is what keeps strangers out.
    ///
    /// - Parameters:
    ///   - path: The socket's path.
    ///   - mode: The socket file's permissions, e.g. `0o660` with group `vhr`.
    ///   - backlog: How many connections may wait to be accepted.
    /// - Returns: The listening socket, close-on-exec and non-blocking.
    /// - Throws: `UnixSocketError` (`.pathTooLong`, `.alreadyRunning`, `.notASocket`,
    ///   `.permissionDenied`, `.system`).
    ///
    /// The corresponding C functions are `socket`, `bind`, `chmod` and `listen`.
    public static func listen(path: String, mode: UInt32 = 0o660, backlog: Int32 = 16) throws(UnixSocketError)
        -> FileDescriptor
    {
        let address = try makeAddress(path)
        try removeStaleSocket(at: path, address: address)
        let socket = try attempt("socket", path) { () throws(Errno) in try newSocket(nonBlocking: true) }
        do throws(UnixSocketError) {
            let bound: Errno? = {
                do throws(Errno) {
                    try withSocketAddress(address) { (pointer, length) throws(Errno) in
                        _ = try SystemCall.run("bind") { Glibc.bind(socket.rawValue, pointer, length) }
                    }
                    return nil
                } catch {
                    return error
                }
            }()
            if let error = bound {
                // EADDRINUSE: another daemon bound the path between our check and our bind.
                let code: UnixSocketError.Code = error == .addressInUse ? .alreadyRunning : serverCode(error)
                throw UnixSocketError(code, path: path, operation: "bind", errno: error)
            }
            try attempt("chmod", path) { () throws(Errno) in
                _ = try SystemCall.run("chmod") { Glibc.chmod(path, mode_t(mode)) }
            }
            try attempt("listen", path) { () throws(Errno) in
                _ = try SystemCall.run("listen") { Glibc.listen(socket.rawValue, backlog) }
            }
        } catch {
            try? socket.close()
            throw error
        }
        return socket
    }

    /// Accepts one pending connection on a non-blocking listening socket.
    ///
    /// Connections the peer aborted before we got to them are skipped.
    ///
    /// - Returns: The connection, close-on-exec and non-blocking, or `nil` if none is pending.
    /// - Throws: Any other `Errno` (`EMFILE` when the daemon is out of descriptors).
    ///
    /// The corresponding C function is `accept4`.
    public static func accept(_ listener: FileDescriptor) throws(Errno) -> FileDescriptor? {
        let flags = Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        while true {
            do throws(Errno) {
                let result = try SystemCall.runNonBlocking("accept4") {
                    system_accept4(listener.rawValue, nil, nil, flags)
                }
                switch result {
                case .value(let fd): return FileDescriptor(rawValue: fd)
                case .wouldBlock: return nil
                }
            } catch  where error == .connectionAborted {
                continue
            }
        }
    }

    // MARK: - Client side

    /// Connects to the socket at `path` (blocking, close-on-exec), as `vhrctl` does.
    ///
    /// - Returns: The connected socket, in blocking mode.
    /// - Throws: `UnixSocketError`: `.notFound` (is vhrd running?), `.permissionDenied` (join group
    ///   `vhr`), `.connectionRefused` (a stale socket), `.pathTooLong`, `.system`.
    ///
    /// The corresponding C functions are `socket` and `connect`.
    public static func connect(path: String) throws(UnixSocketError) -> FileDescriptor {
        let address = try makeAddress(path)
        let socket = try attempt("socket", path) { () throws(Errno) in try newSocket(nonBlocking: false) }
        do throws(Errno) {
            try connect(socket, to: address)
            return socket
        } catch {
            try? socket.close()
            throw clientError(error, path: path)
        }
    }

    /// Creates a connected pair of Unix stream sockets, close-on-exec and blocking.
    ///
    /// The corresponding C function is `socketpair`.
    public static func pair() throws(Errno) -> (FileDescriptor, FileDescriptor) {
        var fds: [CInt] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        _ = try fds.withUnsafeMutableBufferPointer { (buffer) throws(Errno) -> CInt in
            try SystemCall.run("socketpair") { socketpair(AF_UNIX, type, 0, buffer.baseAddress) }
        }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    // MARK: - Socket options

    /// The kernel-verified identity of the process on the other end of a connected socket.
    ///
    /// The corresponding C function is `getsockopt` with `SO_PEERCRED`.
    public static func peerCredentials(of socket: FileDescriptor) throws(Errno) -> PeerCredentials {
        var credentials = LinuxPeerCredentials()
        var length = socklen_t(MemoryLayout<LinuxPeerCredentials>.size)
        _ = try SystemCall.run("getsockopt") {
            getsockopt(socket.rawValue, SOL_SOCKET, SO_PEERCRED, &credentials, &length)
        }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }

    /// Asks for a send buffer of `bytes` (the kernel doubles it for bookkeeping and caps it at
    /// `net.core.wmem_max`). A small buffer makes a slow listener show up as would-block early.
    ///
    /// The corresponding C function is `setsockopt` with `SO_SNDBUF`.
    public static func setSendBufferSize(_ socket: FileDescriptor, bytes: Int) throws(Errno) {
        try setIntOption(socket, SO_SNDBUF, CInt(clamping: bytes))
    }

    /// Ends this side's sending: the peer reads everything sent so far and then end of file, while
    /// this side can still read what the peer sends.
    ///
    /// The corresponding C function is `shutdown` with `SHUT_WR`.
    public static func shutdownWrite(_ socket: FileDescriptor) throws(Errno) {
        _ = try SystemCall.run("shutdown") { Glibc.shutdown(socket.rawValue, CInt(SHUT_WR)) }
    }

    /// Asks for a receive buffer of `bytes` (doubled and capped by the kernel, see
    /// `setSendBufferSize`).
    ///
    /// The corresponding C function is `setsockopt` with `SO_RCVBUF`.
    public static func setReceiveBufferSize(_ socket: FileDescriptor, bytes: Int) throws(Errno) {
        try setIntOption(socket, SO_RCVBUF, CInt(clamping: bytes))
    }

    /// The send buffer size the kernel actually granted.
    ///
    /// The corresponding C function is `getsockopt` with `SO_SNDBUF`.
    public static func sendBufferSize(of socket: FileDescriptor) throws(Errno) -> Int {
        Int(try intOption(socket, SO_SNDBUF))
    }

    /// The receive buffer size the kernel actually granted.
    ///
    /// The corresponding C function is `getsockopt` with `SO_RCVBUF`.
    public static func receiveBufferSize(of socket: FileDescriptor) throws(Errno) -> Int {
        Int(try intOption(socket, SO_RCVBUF))
    }

    // MARK: - Internals

    private static func newSocket(nonBlocking: Bool) throws(Errno) -> FileDescriptor {
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        return FileDescriptor(rawValue: try SystemCall.run("socket") { socket(AF_UNIX, type, 0) })
    }

    private static func makeAddress(_ path: String) throws(UnixSocketError) -> sockaddr_un {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else {
            throw UnixSocketError(.system, path: path, operation: "socket path", errno: .invalidArgument)
        }
        guard bytes.count <= maximumPathLength else {
            throw UnixSocketError(.pathTooLong, path: path, operation: "socket path")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)  // the rest is already zero, which terminates the string
        }
        return address
    }

    private static func withSocketAddress<Result>(
        _ address: sockaddr_un, _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> Result
    ) throws(Errno) -> Result {
        var address = address
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        return try withUnsafePointer(to: &address) { (pointer) throws(Errno) -> Result in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) -> Result in
                try body(raw, length)
            }
        }
    }

    private static func connect(_ socket: FileDescriptor, to address: sockaddr_un) throws(Errno) {
        do throws(Errno) {
            try withSocketAddress(address) { (pointer, length) throws(Errno) in
                _ = try SystemCall.run("connect") { Glibc.connect(socket.rawValue, pointer, length) }
            }
        } catch  where error.rawValue == EISCONN {
            // A retry after EINTR finds the first attempt already completed.
        }
    }

    /// Removes a socket file left behind by a daemon that did not shut down cleanly.
    private static func removeStaleSocket(at path: String, address: sockaddr_un) throws(UnixSocketError) {
        var status = stat()
        do throws(Errno) {
            _ = try SystemCall.run("lstat") { lstat(path, &status) }
        } catch  where error == .noSuchFileOrDirectory {
            return
        } catch {
            throw UnixSocketError(.system, path: path, operation: "lstat", errno: error)
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw UnixSocketError(.notASocket, path: path, operation: "lstat")
        }
        // Ask whoever owns it: a non-blocking connect answers at once either way.
        let probe = try attempt("socket", path) { () throws(Errno) in try newSocket(nonBlocking: true) }
        defer { try? probe.close() }
        let answer: Errno?
        do throws(Errno) {
            try connect(probe, to: address)
            answer = nil
        } catch {
            answer = error
        }
        switch answer {
        case nil, .wouldBlock?:
            // It accepted, or its backlog is full: either way it is very much alive.
            throw UnixSocketError(.alreadyRunning, path: path, operation: "connect", errno: answer)
        case .connectionRefused?:
            try attempt("unlink", path) { () throws(Errno) in
                do throws(Errno) {
                    _ = try SystemCall.run("unlink") { unlink(path) }
                } catch  where error == .noSuchFileOrDirectory {
                    // Someone else cleaned it up first; fine.
                }
            }
        case .noSuchFileOrDirectory?:
            return
        case let error?:
            throw UnixSocketError(serverCode(error), path: path, operation: "connect", errno: error)
        }
    }

    private static func serverCode(_ error: Errno) -> UnixSocketError.Code {
        error == .permissionDenied || error == .notPermitted ? .permissionDenied : .system
    }

    static func clientError(_ error: Errno, path: String) -> UnixSocketError {
        switch error {
        case .noSuchFileOrDirectory: UnixSocketError(.notFound, path: path, operation: "connect", errno: error)
        case .permissionDenied, .notPermitted:
            UnixSocketError(.permissionDenied, path: path, operation: "connect", errno: error)
        case .connectionRefused: UnixSocketError(.connectionRefused, path: path, operation: "connect", errno: error)
        default: UnixSocketError(.system, path: path, operation: "connect", errno: error)
        }
    }

    /// Runs `body` and turns a bare `Errno` into a `UnixSocketError` naming the path and step.
    private static func attempt<Result>(
        _ operation: String, _ path: String, _ body: () throws(Errno) -> Result
    ) throws(UnixSocketError) -> Result {
        do throws(Errno) {
            return try body()
        } catch {
            throw UnixSocketError(serverCode(error), path: path, operation: operation, errno: error)
        }
    }

    private static func setIntOption(_ socket: FileDescriptor, _ option: CInt, _ value: CInt) throws(Errno) {
        var value = value
        _ = try SystemCall.run("setsockopt") {
            setsockopt(socket.rawValue, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<CInt>.size))
        }
    }

    private static func intOption(_ socket: FileDescriptor, _ option: CInt) throws(Errno) -> CInt {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = try SystemCall.run("getsockopt") { getsockopt(socket.rawValue, SOL_SOCKET, option, &value, &length) }
        return value
    }
}
