import Glibc
import Synchronization

// Why termios and not libserialport: libserialport 0.1.1 cannot open a pty (it wants
// /sys/class/tty/<name> and calls TIOCMGET, which ptys refuse), so neither umockdev's fake ttys
// nor the tests' ptys could be driven through it. libserialport stays for enumeration.
//
// Closing from another thread: a thread may be waiting in `poll` on the descriptor when the
// driver is stopped. Closing the descriptor under it would let the kernel hand the number to
// someone else mid-call, so `close()` instead writes to a wake-up pipe the waiter also polls,
// and the descriptor is closed by whoever is the last to stop using it.

/// An open serial port (a tty: a UART, a USB-serial adapter, a CDC-ACM device, a pty), in raw
/// mode with the given line settings, read and written with timeouts.
///
/// Opening is exclusive: `TIOCEXCL` keeps other unprivileged processes out, and an advisory
/// `flock` makes a second vhr (or anything else that locks, like minicom) fail with `.busy`.
/// All calls may block up to their timeout: call them from a dedicated thread, never from the
/// cooperative pool. ``close()`` may be called from any thread and wakes a blocked call.
public final class SerialPort: Sendable {
    /// The device node as given, e.g. `/dev/ttyUSB0` or a udev symlink `/dev/vhr/bp-cuff-A123XYZ`.
    public let path: String
    /// The line settings in force.
    public let settings: SerialPortSettings

    private struct State {
        var descriptor: FileDescriptor
        var wakeRead: FileDescriptor
        var wakeWrite: FileDescriptor
        /// Calls running on the descriptor now.
        var users = 0
        var closed = false
    }

    private let state: Mutex<State>

    /// Opens `path` (`O_NOCTTY`, close-on-exec), takes it exclusively, sets raw mode with
    /// `settings`, checks the driver kept them and discards anything already received.
    ///
    /// - Throws: `.notFound` when nothing is there (unplugged), `.permissionDenied`, `.busy`
    ///   when another process holds it, `.notATerminal` for a path that is not a tty,
    ///   `.unsupportedSettings` when the settings are invalid or the driver changed them
    ///   (a pty forces 8 data bits and no parity), `.io` otherwise.
    ///
    /// The corresponding C functions are `open`, `ioctl(TIOCEXCL)`, `flock`, `tcgetattr`,
    /// `tcsetattr` and `tcflush`.
    public init(path: String, settings: SerialPortSettings) throws(SerialDeviceError) {
        if let reason = settings.invalidReason {
            throw SerialDeviceError(.unsupportedSettings, path: path, operation: "open", detail: reason)
        }
        let descriptor: FileDescriptor
        do {
            // Non-blocking, so that open does not wait for carrier detect and reads never hang.
            descriptor = try FileDescriptor.open(
                path, .readWrite, options: [.nonBlocking, FileDescriptor.OpenOptions(rawValue: O_NOCTTY)])
        } catch {
            throw SerialDeviceError(error, path: path, operation: "open")
        }
        do throws(SerialDeviceError) {
            try Self.configure(descriptor, path: path, settings: settings)
            let wake: (readEnd: FileDescriptor, writeEnd: FileDescriptor)
            do {
                wake = try FileDescriptor.pipe(nonBlocking: true)
            } catch {
                throw SerialDeviceError(error, path: path, operation: "create a wake-up pipe")
            }
            self.path = path
            self.settings = settings
            state = Mutex(State(descriptor: descriptor, wakeRead: wake.readEnd, wakeWrite: wake.writeEnd))
        } catch {
            descriptor.closeIgnoringErrors()
            throw error
        }
    }

    deinit {
        close()
    }

    private static func configure(
        _ descriptor: FileDescriptor, path: String, settings: SerialPortSettings
    ) throws(SerialDeviceError) {
        let fd = descriptor.rawValue
        var options = termios()
        do {
            // tcgetattr first: it is the call that tells a tty from any other file.
            _ = try SystemCall.run("tcgetattr") { tcgetattr(fd, &options) }
        } catch {
            throw SerialDeviceError(error, path: path, operation: "read line settings")
        }
        do {
            _ = try SystemCall.run("ioctl") { ioctl(fd, UInt(TIOCEXCL)) }
        } catch  where error.rawValue == ENOTTY {
            // A tty emulation without TIOCEXCL (umockdev's): the flock below still keeps out
            // every process that locks, vhr included.
        } catch {
            throw SerialDeviceError(error, path: path, operation: "take the port exclusively")
        }
        do {
            _ = try SystemCall.run("flock") { flock(fd, LOCK_EX | LOCK_NB) }
        } catch {
            throw SerialDeviceError(
                error == .wouldBlock ? .busy : .io, path: path, operation: "lock the port", systemError: error)
        }
        settings.apply(to: &options)
        do {
            _ = try SystemCall.run("tcsetattr") { tcsetattr(fd, TCSANOW, &options) }
        } catch  where error == .invalidArgument {
            // What a pty answers when parity was the only change it was asked for.
            throw SerialDeviceError(
                .unsupportedSettings, path: path, operation: "set line settings", systemError: error,
                detail: "the driver refused \(settings)")
        } catch {
            throw SerialDeviceError(error, path: path, operation: "set line settings")
        }
        var accepted = termios()
        do {
            _ = try SystemCall.run("tcgetattr") { tcgetattr(fd, &accepted) }
        } catch {
            throw SerialDeviceError(error, path: path, operation: "read back line settings")
        }
        // tcsetattr succeeds if the driver took any of the request; only reading back shows the rest.
        let kept = SerialPortSettings(termios: accepted)
        guard kept == settings else {
            throw SerialDeviceError(
                .unsupportedSettings, path: path, operation: "set line settings",
                detail:
                    "asked for \(settings), the driver kept \(kept.map(String.init(describing:)) ?? "another speed")")
        }
        do {
            _ = try SystemCall.run("tcflush") { tcflush(fd, TCIOFLUSH) }
        } catch {
            throw SerialDeviceError(error, path: path, operation: "discard stale input")
        }
    }

    // MARK: - Reading and writing

    /// Waits up to `timeout` for input and returns what has arrived, at most `maximumCount`
    /// bytes; empty when the timeout passed with nothing.
    ///
    /// - Throws: `.disconnected` when the line hung up (unplugged; for a pty, the other end
    ///   closed) after everything still buffered has been returned, `.closed` after ``close()``,
    ///   `.io` otherwise.
    ///
    /// The corresponding C functions are `poll` and `read`.
    public func read(upToCount maximumCount: Int = 4096, timeout: Duration) throws(SerialDeviceError) -> [UInt8] {
        try withDescriptor { (descriptor, wake) throws(SerialDeviceError) -> [UInt8] in
            let deadline = MonotonicClock.now() + Self.nanoseconds(timeout)
            while true {
                let events = try wait(
                    for: Int16(POLLIN), on: descriptor, wake: wake, until: deadline, operation: "read")
                guard events != 0 else { return [] }
                let result: IOResult<[UInt8]>
                do throws(Errno) {
                    result = try descriptor.read(upToCount: maximumCount)
                } catch {
                    throw SerialDeviceError(error, path: path, operation: "read")
                }
                switch result {
                case .value(let bytes):
                    // Readable with nothing to read: end of file, which a tty reports after a hang-up.
                    guard !bytes.isEmpty else {
                        throw SerialDeviceError(
                            .disconnected, path: path, operation: "read", detail: "the line hung up")
                    }
                    return bytes
                case .wouldBlock:
                    if events & Int16(POLLHUP | POLLERR) != 0 {
                        throw SerialDeviceError(
                            .disconnected, path: path, operation: "read", detail: "the line hung up")
                    }
                }
            }
        }
    }

    /// Writes all of `bytes`, waiting up to `timeout` in all for the driver to take them.
    ///
    /// - Throws: `.timedOut` (saying how much went out) when the driver would not take them in
    ///   time, `.disconnected` when the line hung up, `.closed` after ``close()``.
    ///
    /// The corresponding C functions are `write` and `poll`.
    public func write(_ bytes: [UInt8], timeout: Duration) throws(SerialDeviceError) {
        try withDescriptor { (descriptor, wake) throws(SerialDeviceError) in
            let deadline = MonotonicClock.now() + Self.nanoseconds(timeout)
            var offset = 0
            while offset < bytes.count {
                let result: IOResult<Int>
                do throws(Errno) {
                    result = try bytes.withUnsafeBytesTyped { (buffer) throws(Errno) -> IOResult<Int> in
                        try descriptor.write(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                    }
                } catch {
                    throw SerialDeviceError(error, path: path, operation: "write")
                }
                switch result {
                case .value(let count):
                    offset += count
                case .wouldBlock:
                    let events = try wait(
                        for: Int16(POLLOUT), on: descriptor, wake: wake, until: deadline, operation: "write")
                    guard events != 0 else {
                        throw SerialDeviceError(
                            .timedOut, path: path, operation: "write",
                            detail: "\(offset) of \(bytes.count) bytes went out in \(timeout)")
                    }
                }
            }
        }
    }

    /// Waits until everything written has been transmitted.
    ///
    /// It has no timeout (the C call has none), and ``close()`` cannot interrupt it: on a line
    /// that hardware flow control holds, it blocks until the other end lets go.
    ///
    /// The corresponding C function is `tcdrain`.
    public func drain() throws(SerialDeviceError) {
        try withDescriptor { (descriptor, _) throws(SerialDeviceError) in
            do throws(Errno) {
                _ = try SystemCall.run("tcdrain") { tcdrain(descriptor.rawValue) }
            } catch {
                throw SerialDeviceError(error, path: path, operation: "drain")
            }
        }
    }

    /// Which buffered data ``flush(_:)`` discards.
    public enum Queue: Sendable {
        /// Received and not yet read.
        case input
        /// Written and not yet transmitted.
        case output
        case both

        var rawValue: CInt {
            switch self {
            case .input: TCIFLUSH
            case .output: TCOFLUSH
            case .both: TCIOFLUSH
            }
        }
    }

    /// Discards buffered data, e.g. stale bytes before a new exchange.
    ///
    /// The corresponding C function is `tcflush`.
    public func flush(_ queue: Queue = .input) throws(SerialDeviceError) {
        try withDescriptor { (descriptor, _) throws(SerialDeviceError) in
            do throws(Errno) {
                _ = try SystemCall.run("tcflush") { tcflush(descriptor.rawValue, queue.rawValue) }
            } catch {
                throw SerialDeviceError(error, path: path, operation: "flush")
            }
        }
    }

    /// The line's termios as the driver holds it now, for diagnostics and tests.
    ///
    /// The corresponding C function is `tcgetattr`.
    public func currentOptions() throws(SerialDeviceError) -> termios {
        try withDescriptor { (descriptor, _) throws(SerialDeviceError) -> termios in
            var options = termios()
            do throws(Errno) {
                _ = try SystemCall.run("tcgetattr") { tcgetattr(descriptor.rawValue, &options) }
            } catch {
                throw SerialDeviceError(error, path: path, operation: "read line settings")
            }
            return options
        }
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Closes the port; safe to call twice and from any thread. A call blocked in ``read`` or
    /// ``write`` wakes and throws `.closed`; the descriptor is released when it has.
    public func close() {
        let toClose: [FileDescriptor] = state.withLock { state in
            guard !state.closed else { return [] }
            state.closed = true
            var byte: UInt8 = 1
            // Non-blocking and never full (one byte ever), so this cannot stall under the lock.
            _ = Glibc.write(state.wakeWrite.rawValue, &byte, 1)
            return state.users == 0 ? [state.descriptor, state.wakeRead, state.wakeWrite] : []
        }
        for descriptor in toClose { descriptor.closeIgnoringErrors() }
    }

    // MARK: - Internals

    /// Runs `body` with the descriptor and the wake-up pipe's read end, keeping them open
    /// meanwhile even if another thread calls `close()`.
    private func withDescriptor<Result>(
        _ body: (FileDescriptor, FileDescriptor) throws(SerialDeviceError) -> Result
    ) throws(SerialDeviceError) -> Result {
        let descriptors: (FileDescriptor, FileDescriptor)? = state.withLock { state in
            guard !state.closed else { return nil }
            state.users += 1
            return (state.descriptor, state.wakeRead)
        }
        guard let (descriptor, wake) = descriptors else {
            throw SerialDeviceError(.closed, path: path, operation: "use the port")
        }
        defer {
            let toClose: [FileDescriptor] = state.withLock { state in
                state.users -= 1
                return state.closed && state.users == 0 ? [state.descriptor, state.wakeRead, state.wakeWrite] : []
            }
            for descriptor in toClose { descriptor.closeIgnoringErrors() }
        }
        return try body(descriptor, wake)
    }

    /// Polls the port for `events` and the wake-up pipe until `deadline` (`MonotonicClock`
    /// nanoseconds); returns the port's events, 0 when the deadline passed.
    private func wait(
        for events: Int16, on descriptor: FileDescriptor, wake: FileDescriptor, until deadline: Int64,
        operation: String
    ) throws(SerialDeviceError) -> Int16 {
        while true {
            var fds = [
                pollfd(fd: descriptor.rawValue, events: events, revents: 0),
                pollfd(fd: wake.rawValue, events: Int16(POLLIN), revents: 0),
            ]
            let remaining = max(0, deadline - MonotonicClock.now())
            // Round up, so a wait never ends a hair before its deadline and spins.
            let milliseconds = CInt(clamping: (remaining + 999_999) / 1_000_000)
            let ready: CInt
            do {
                ready = try fds.withUnsafeMutableBufferPointer { (buffer) throws(Errno) -> CInt in
                    try SystemCall.run("poll", retryOnInterrupt: false) {
                        poll(buffer.baseAddress, nfds_t(buffer.count), milliseconds)
                    }
                }
            } catch  where error == .interrupted {
                continue
            } catch {
                throw SerialDeviceError(error, path: path, operation: operation)
            }
            if fds[1].revents != 0 {
                throw SerialDeviceError(.closed, path: path, operation: operation)
            }
            if ready > 0 { return fds[0].revents }
            if MonotonicClock.now() >= deadline { return 0 }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        // Capped at about 146 years, so a deadline computed from it cannot overflow.
        guard seconds < 4_611_686_018 else { return 4_611_686_018 * 1_000_000_000 }
        return max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
    }
}
