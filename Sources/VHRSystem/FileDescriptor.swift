import Glibc

/// An open file descriptor, in the style of swift-system's `FileDescriptor`: a plain value that
/// does not own the descriptor. Whoever creates one closes it exactly once with `close()`.
///
/// Every descriptor vhr creates is close-on-exec, so no child process inherits the daemon's
/// sockets, locks or device handles.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw C descriptor.
    public let rawValue: CInt

    /// Wraps a raw C descriptor. The caller keeps responsibility for closing it.
    public init(rawValue: CInt) {
        self.rawValue = rawValue
    }

    public var description: String { "fd \(rawValue)" }

    /// Standard input (descriptor 0).
    public static let standardInput = FileDescriptor(rawValue: 0)
    /// Standard output (descriptor 1).
    public static let standardOutput = FileDescriptor(rawValue: 1)
    /// Standard error (descriptor 2); journald reads it for a systemd service.
    public static let standardError = FileDescriptor(rawValue: 2)

    /// How a file is opened.
    public enum AccessMode: Sendable {
        case readOnly
        case writeOnly
        case readWrite

        var rawValue: CInt {
            switch self {
            case .readOnly: O_RDONLY
            case .writeOnly: O_WRONLY
            case .readWrite: O_RDWR
            }
        }
    }

    /// Options for `open`. Close-on-exec is always set and is not an option.
    public struct OpenOptions: OptionSet, Sendable {
        public let rawValue: CInt
        public init(rawValue: CInt) { self.rawValue = rawValue }

        /// Create the file if it does not exist (`O_CREAT`).
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// Fail if the file exists; use with `create` (`O_EXCL`).
        public static let exclusiveCreate = OpenOptions(rawValue: O_EXCL)
        /// Truncate the file to zero length (`O_TRUNC`).
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// Every write goes to the end of the file (`O_APPEND`).
        public static let append = OpenOptions(rawValue: O_APPEND)
        /// Open in non-blocking mode (`O_NONBLOCK`).
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
        /// Do not follow a symbolic link in the last path component (`O_NOFOLLOW`).
        public static let noFollow = OpenOptions(rawValue: O_NOFOLLOW)
        /// Fail unless the path is a directory (`O_DIRECTORY`).
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
    }

    // MARK: - Creating descriptors

    /// Opens a file, close-on-exec.
    ///
    /// - Parameters:
    ///   - path: The file's path.
    ///   - access: Read, write or both.
    ///   - options: Creation and behaviour flags.
    ///   - permissions: The mode of a newly created file, before the umask (e.g. `0o640`).
    /// - Throws: The `Errno` from `open`.
    ///
    /// The corresponding C function is `open`.
    public static func open(
        _ path: String, _ access: AccessMode, options: OpenOptions = [], permissions: UInt32 = 0o644
    ) throws(Errno) -> FileDescriptor {
        let flags = access.rawValue | options.rawValue | O_CLOEXEC
        let fd = try SystemCall.run("open") { Glibc.open(path, flags, mode_t(permissions)) }
        return FileDescriptor(rawValue: fd)
    }

    /// Creates a pipe whose both ends are close-on-exec.
    ///
    /// - Parameter nonBlocking: Make both ends non-blocking.
    /// - Returns: The end to read from and the end to write to.
    ///
    /// The corresponding C function is `pipe2`.
    public static func pipe(nonBlocking: Bool = false) throws(Errno) -> (
        readEnd: FileDescriptor, writeEnd: FileDescriptor
    ) {
        var fds: [CInt] = [-1, -1]
        let flags = O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)
        _ = try fds.withUnsafeMutableBufferPointer { (buffer) throws(Errno) -> CInt in
            try SystemCall.run("pipe2") { system_pipe2(buffer.baseAddress, flags) }
        }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    // MARK: - Reading and writing

    /// Reads up to `buffer.count` bytes.
    ///
    /// - Returns: `.value(n)` with the number of bytes read (`0` at end of file), or `.wouldBlock`
    ///   when the descriptor is non-blocking and nothing is available.
    /// - Throws: Any other `Errno` from `read`.
    ///
    /// The corresponding C function is `read`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult<Int> {
        try SystemCall.runNonBlocking("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads up to `maximumCount` bytes into a new array.
    ///
    /// - Returns: The bytes read (empty at end of file), or `.wouldBlock`.
    /// - Throws: Any other `Errno` from `read`.
    ///
    /// The corresponding C function is `read`.
    public func read(upToCount maximumCount: Int) throws(Errno) -> IOResult<[UInt8]> {
        var bytes = [UInt8](repeating: 0, count: maximumCount)
        let result = try bytes.withUnsafeMutableBytesTyped { (buffer) throws(Errno) in try read(into: buffer) }
        switch result {
        case .value(let count):
            bytes.removeSubrange(count...)
            return .value(bytes)
        case .wouldBlock:
            return .wouldBlock
        }
    }

    /// Writes up to `buffer.count` bytes.
    ///
    /// On a pipe or socket whose reader has gone this fails with `EPIPE`, and raises `SIGPIPE`
    /// unless the daemon ignores it; on sockets prefer `send`, which never raises it.
    ///
    /// - Returns: `.value(n)` with the number of bytes written, or `.wouldBlock` when the
    ///   descriptor is non-blocking and full.
    /// - Throws: Any other `Errno` from `write`.
    ///
    /// The corresponding C function is `write`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> IOResult<Int> {
        try SystemCall.runNonBlocking("write") { Glibc.write(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Writes the whole buffer to a blocking descriptor, looping over short writes.
    ///
    /// - Throws: The `Errno` from `write`; `Errno.wouldBlock` if the descriptor is non-blocking
    ///   (use `write(_:)` and wait for readiness there instead).
    ///
    /// The corresponding C function is `write`.
    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
            offset += try SystemCall.run("write") { Glibc.write(rawValue, rest.baseAddress, rest.count) }
        }
    }

    /// Writes all of `bytes` to a blocking descriptor, looping over short writes.
    ///
    /// The corresponding C function is `write`.
    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        try bytes.withUnsafeBytesTyped { (buffer) throws(Errno) in try writeAll(buffer) }
    }

    // MARK: - Closing and flags

    /// Closes the descriptor. Use the value no more afterwards.
    ///
    /// `EINTR` is not retried: on Linux the descriptor is already released when `close` reports
    /// it, and a retry could close a descriptor another thread has just been given.
    ///
    /// - Throws: The `Errno` from `close` (`EIO` means data may not have reached the device).
    ///
    /// The corresponding C function is `close`.
    public func close() throws(Errno) {
        do throws(Errno) {
            _ = try SystemCall.run("close", retryOnInterrupt: false) { Glibc.close(rawValue) }
        } catch  where error == .interrupted {
            return
        }
    }

    /// Closes the descriptor where nothing useful can be done about a failure (cleanup paths).
    ///
    /// The corresponding C function is `close`.
    public func closeIgnoringErrors() {
        try? close()
    }

    /// Turns non-blocking mode on or off (`O_NONBLOCK`).
    ///
    /// The corresponding C function is `fcntl`.
    public func setNonBlocking(_ enabled: Bool = true) throws(Errno) {
        let flags = try SystemCall.run("fcntl") { fcntl(rawValue, F_GETFL) }
        let updated = enabled ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        guard updated != flags else { return }
        _ = try SystemCall.run("fcntl") { fcntl(rawValue, F_SETFL, updated) }
    }

    /// Whether the descriptor is in non-blocking mode.
    ///
    /// The corresponding C function is `fcntl`.
    public func isNonBlocking() throws(Errno) -> Bool {
        try SystemCall.run("fcntl") { fcntl(rawValue, F_GETFL) } & O_NONBLOCK != 0
    }

    /// Turns close-on-exec on or off (`FD_CLOEXEC`). Descriptors vhr creates already have it.
    ///
    /// The corresponding C function is `fcntl`.
    public func setCloseOnExec(_ enabled: Bool = true) throws(Errno) {
        let flags = try SystemCall.run("fcntl") { fcntl(rawValue, F_GETFD) }
        let updated = enabled ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC
        guard updated != flags else { return }
        _ = try SystemCall.run("fcntl") { fcntl(rawValue, F_SETFD, updated) }
    }

    /// Whether the descriptor is close-on-exec.
    ///
    /// The corresponding C function is `fcntl`.
    public func isCloseOnExec() throws(Errno) -> Bool {
        try SystemCall.run("fcntl") { fcntl(rawValue, F_GETFD) } & FD_CLOEXEC != 0
    }
}
