import VHRCore

/// Writes each record as one `LogLineFormatter` line to standard error, which journald
/// collects for a systemd service (reading the `<N>` prefix as the priority).
///
/// Each line goes out in a single `write(2)`, so lines from concurrent tasks never interleave
/// (the kernel writes up to `PIPE_BUF` bytes to a pipe atomically; a longer line may be split
/// by a short write and is then finished with further writes). Failures are dropped: there is
/// nowhere left to report them.
public struct StderrLogHandler: LogHandler {
    private let descriptor: FileDescriptor

    /// - Parameter descriptor: Where to write; standard error unless a test passes a pipe.
    public init(descriptor: FileDescriptor = .standardError) {
        self.descriptor = descriptor
    }

    /// The corresponding C function is `write`.
    public func log(_ record: LogRecord) {
        var line = LogLineFormatter.format(record)
        line += "\n"
        var bytes = Array(line.utf8)
        while !bytes.isEmpty {
            guard
                case .value(let written)? = try? bytes.withUnsafeBytesTyped({ (buffer) throws(Errno) in
                    try descriptor.write(buffer)
                })
            else { return }
            bytes.removeFirst(written)
        }
    }
}
