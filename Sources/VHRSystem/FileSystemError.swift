import Glibc

/// A failed file-system operation, naming the path and what to do about it.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path involved.
    public var path: String
    /// The step that failed: "mkdir", "open", "read", "opendir", ….
    public var operation: String
    /// The system error.
    public var errno: Errno

    public init(path: String, operation: String, errno: Errno) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    /// What a technician should do, when there is something obvious.
    public var hint: String? {
        switch errno {
        case .permissionDenied, .notPermitted:
            "vhrd (uid \(getuid())) needs access to \(path); check its owner and mode with ls -ld"
        case .noSuchFileOrDirectory: "\(path) does not exist"
        case .notDirectory: "something in \(path) is a file where a directory is expected; move it away"
        case .readOnlyFileSystem: "the file system holding \(path) is mounted read-only"
        case .noSpace: "the disk holding \(path) is full"
        default: nil
        }
    }

    public var description: String {
        let base = "\(operation) \(path): \(errno)"
        return hint.map { "\(base); \($0)" } ?? base
    }
}
