import Glibc

extension FileDescriptor {
    /// Flags for `send`. `MSG_NOSIGNAL` is always added and is not an option: a peer that hung
    /// up must surface as `EPIPE`, never as a `SIGPIPE` that kills the daemon.
    public struct SendFlags: OptionSet, Sendable {
        public let rawValue: CInt
        public init(rawValue: CInt) { self.rawValue = rawValue }

        /// Do not block even on a blocking socket (`MSG_DONTWAIT`).
        public static let dontWait = SendFlags(rawValue: CInt(MSG_DONTWAIT))
        /// More data follows; let the kernel coalesce (`MSG_MORE`).
        public static let more = SendFlags(rawValue: CInt(MSG_MORE))
    }

    /// Sends up to `buffer.count` bytes on a connected socket, without ever raising `SIGPIPE`.
    ///
    /// - Returns: `.value(n)` with the number of bytes sent, or `.wouldBlock` when the socket is
    ///   non-blocking (or `.dontWait` is given) and its send buffer is full.
    /// - Throws: Any other `Errno`; `EPIPE`/`ECONNRESET` mean the peer went away.
    ///
    /// The corresponding C function is `send`.
    public func send(_ buffer: UnsafeRawBufferPointer, flags: SendFlags = []) throws(Errno) -> IOResult<Int> {
        let flags = flags.rawValue | CInt(MSG_NOSIGNAL)
        return try SystemCall.runNonBlocking("send") { Glibc.send(rawValue, buffer.baseAddress, buffer.count, flags) }
    }

    /// Sends all of `bytes` on a blocking socket, looping over short sends, without `SIGPIPE`.
    ///
    /// - Throws: The `Errno` from `send`; `Errno.wouldBlock` if the socket is non-blocking.
    ///
    /// The corresponding C function is `send`.
    public func sendAll(_ bytes: [UInt8]) throws(Errno) {
        try bytes.withUnsafeBytesTyped { (buffer) throws(Errno) in
            var offset = 0
            while offset < buffer.count {
                let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                offset += try SystemCall.run("send") {
                    Glibc.send(rawValue, rest.baseAddress, rest.count, CInt(MSG_NOSIGNAL))
                }
            }
        }
    }
}
