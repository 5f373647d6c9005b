import Glibc

// sd_listen_fds_with_names(3) spoken directly. systemd passes the sockets of the .socket unit as
// descriptors 3, 4, … and says so in three variables: LISTEN_PID (whom they are for, so a child
// that inherited the environment does not take them too), LISTEN_FDS (how many) and
// LISTEN_FDNAMES (their FileDescriptorName=, colon-separated). The variables are removed once
// read, as sd_listen_fds(1) does, so nothing vhrd starts later believes they are its own.

/// Taking over the listening sockets systemd created for the daemon.
public enum SocketActivation {
    /// The first passed descriptor (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: CInt = 3
    /// The variables systemd sets, removed from the environment once read.
    public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]

    /// The sockets systemd passed to this process, in order, each checked to be a listening
    /// `AF_UNIX` `SOCK_STREAM` socket and made close-on-exec and non-blocking.
    ///
    /// Returns an empty list when the daemon was not socket-activated (`LISTEN_PID` unset or
    /// naming another process): it then binds its sockets itself.
    ///
    /// - Parameters:
    ///   - environment: the process's environment as it was at start.
    ///   - pid: this process's id, compared with `LISTEN_PID`.
    ///   - firstDescriptor: where the passed descriptors start; 3 except in tests.
    ///   - unsetEnvironment: remove the `LISTEN_*` variables from the process's environment.
    /// - Throws: `SocketActivationError` when the variables are malformed or a descriptor is not
    ///   a listening Unix stream socket.
    public static func listeners(
        environment: [String: String], pid: Int32 = getpid(), firstDescriptor: CInt = firstDescriptor,
        unsetEnvironment: Bool = true
    ) throws(SocketActivationError) -> [InheritedSocket] {
        if unsetEnvironment { for name in variables { unsetenv(name) } }
        guard let owner = environment["LISTEN_PID"].flatMap({ Int32($0) }), owner == pid else { return [] }
        let countText = environment["LISTEN_FDS"] ?? ""
        // sd_listen_fds caps nothing, but more than a few thousand cannot be a real unit.
        guard let count = Int(countText), (0...4096).contains(count) else {
            throw SocketActivationError(.badCount, detail: countText)
        }
        let names = try self.names(environment["LISTEN_FDNAMES"], count: count)
        var sockets: [InheritedSocket] = []
        for (offset, name) in names.enumerated() {
            let descriptor = FileDescriptor(rawValue: firstDescriptor + CInt(offset))
            sockets.append(try adopt(descriptor, name: name))
        }
        return sockets
    }

    /// Splits `LISTEN_FDNAMES`; missing altogether means every socket is `unknown`, as in systemd.
    static func names(_ text: String?, count: Int) throws(SocketActivationError) -> [String] {
        guard let text else { return Array(repeating: "unknown", count: count) }
        let names = count == 0 && text.isEmpty ? [] : text.split(separator: ":", omittingEmptySubsequences: false)
        guard names.count == count else { throw SocketActivationError(.namesMismatch, detail: text) }
        return names.map { $0.isEmpty ? "unknown" : String($0) }
    }

    /// Checks one passed descriptor and prepares it for the accept loop.
    ///
    /// The corresponding C functions are `fcntl`, `fstat`, `getsockopt` and `getsockname`.
    public static func adopt(_ descriptor: FileDescriptor, name: String) throws(SocketActivationError)
        -> InheritedSocket
    {
        let fd = descriptor.rawValue
        // F_GETFD fails only with EBADF; SystemCall treats EBADF as a bug in vhr and stops, but
        // here it means the environment lied, so ask the C library directly.
        guard fcntl(fd, F_GETFD) != -1 else {
            throw SocketActivationError(.notOpen, descriptor: fd, name: name, detail: "closed")
        }
        func fail(_ error: Errno) -> SocketActivationError {
            SocketActivationError(.system, descriptor: fd, name: name, detail: "", errno: error)
        }
        var status = stat()
        do throws(Errno) {
            _ = try SystemCall.run("fstat") { fstat(fd, &status) }
        } catch {
            throw fail(error)
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SocketActivationError(.notAListeningUnixStream, descriptor: fd, name: name, detail: "not a socket")
        }
        let domain: CInt
        let type: CInt
        let listening: CInt
        do throws(Errno) {
            domain = try intOption(fd, SO_DOMAIN)
            type = try intOption(fd, SO_TYPE)
            listening = try intOption(fd, SO_ACCEPTCONN)
        } catch {
            throw fail(error)
        }
        guard domain == AF_UNIX, type == CInt(SOCK_STREAM.rawValue), listening != 0 else {
            let kind =
                domain != AF_UNIX
                ? "a socket of family \(domain)"
                : type != CInt(SOCK_STREAM.rawValue)
                    ? "a Unix socket of type \(type)" : "a Unix stream socket that is not listening"
            throw SocketActivationError(.notAListeningUnixStream, descriptor: fd, name: name, detail: kind)
        }
        do throws(Errno) {
            try descriptor.setCloseOnExec()
            try descriptor.setNonBlocking()
        } catch {
            throw fail(error)
        }
        return InheritedSocket(name: name, descriptor: descriptor, path: boundPath(fd))
    }

    private static func intOption(_ fd: CInt, _ option: CInt) throws(Errno) -> CInt {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = try SystemCall.run("getsockopt") { getsockopt(fd, SOL_SOCKET, option, &value, &length) }
        return value
    }

    /// The socket file a listening socket is bound to, or nil for an abstract or unbound one.
    private static func boundPath(_ fd: CInt) -> String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        let header = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let count = Int(length) - header
        guard count > 0 else { return nil }
        let bytes = withUnsafeBytes(of: address.sun_path) { Array($0.prefix(min(count, $0.count))) }
        guard let first = bytes.first, first != 0 else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
