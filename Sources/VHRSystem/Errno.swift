import Glibc

/// An error number reported by the operating system, in the style of swift-system's `Errno`.
///
/// Only the values vhr inspects by name have constants; any other value still round-trips
/// through `rawValue` and prints through `strerror`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw C `errno` value.
    public let rawValue: CInt

    /// Wraps a raw C `errno` value.
    public init(rawValue: CInt) {
        self.rawValue = rawValue
    }

    /// The thread's current `errno`. Read it immediately after the failing call (see `SystemCall.swift`).
    static var current: Errno { Errno(rawValue: Glibc.errno) }

    /// The system's text for this error, followed by the symbolic value, e.g. "No such file or
    /// directory (errno 2)".
    ///
    /// The corresponding C function is `strerror`.
    public var description: String {
        // strerror's buffer is thread-local in glibc, so reading it right away is safe.
        let text = strerror(rawValue).map { String(cString: $0) } ?? "unknown error"
        return "\(text) (errno \(rawValue))"
    }

    // MARK: - Values vhr handles by name

    /// `EPERM`: the operation is not permitted.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `ENOENT`: no such file or directory.
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// `EINTR`: interrupted by a signal; the choke point retries these.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EIO`: low-level I/O error.
    public static let ioError = Errno(rawValue: EIO)
    /// `EBADF`: bad file descriptor, which is always a bug in vhr.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// `EAGAIN`: the non-blocking operation would block.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// `EACCES`: permission denied.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EFAULT`: bad address, which is always a bug in vhr.
    public static let badAddress = Errno(rawValue: EFAULT)
    /// `EEXIST`: the file exists.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// `ENOTDIR`: a path component is not a directory.
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    /// `EISDIR`: the path is a directory.
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// `EINVAL`: invalid argument.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `EMFILE`: this process has too many open files.
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// `ENOSPC`: no space left on the device.
    public static let noSpace = Errno(rawValue: ENOSPC)
    /// `EROFS`: the file system is mounted read-only.
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    /// `EPIPE`: the other end of the pipe or socket is closed.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// `ENAMETOOLONG`: a path or a path component is too long.
    public static let nameTooLong = Errno(rawValue: ENAMETOOLONG)
    /// `ENOTSOCK`: the descriptor is not a socket.
    public static let notSocket = Errno(rawValue: ENOTSOCK)
    /// `EADDRINUSE`: the address is already in use.
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    /// `ECONNABORTED`: the connection was aborted before it was accepted.
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    /// `ECONNRESET`: the peer reset the connection.
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// `ECONNREFUSED`: nobody is listening at the address.
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// `EINPROGRESS`: a non-blocking connect has started and not yet finished.
    public static let inProgress = Errno(rawValue: EINPROGRESS)
}
