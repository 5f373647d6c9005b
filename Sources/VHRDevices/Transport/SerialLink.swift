import Synchronization
import VHRCore
import VHRSystem

/// A ``CuffLink`` over a serial port (a USB-serial adapter, a CDC-ACM device, a UART, or a pty in
/// tests), opened with termios in raw mode.
///
/// The port is opened by ``open()`` and may be opened again after it went away: a cuff driver
/// calls `open()` until it stops throwing `.notFound`, which is how a replugged adapter is picked
/// up. Serial has no message boundaries, so ``receive(timeout:)`` returns whatever bytes have
/// arrived; the protocol's decoder finds the frames.
public final class SerialLink: CuffLink {
    /// The device node, e.g. `/dev/ttyUSB0` or a udev symlink under `/dev/vhr/`.
    public let path: String
    /// The line settings, from the device profile.
    public let settings: SerialPortSettings

    private let port = Mutex<SerialPort?>(nil)

    /// A link to `path`; nothing is opened yet.
    public init(path: String, settings: SerialPortSettings = .standard9600) {
        self.path = path
        self.settings = settings
    }

    deinit {
        close()
    }

    public var endpointDescription: String { "\(path) (\(settings))" }

    /// Opens the port, replacing (and closing) a previous one.
    ///
    /// - Throws: `.notFound` while the device is absent, `.permissionDenied` with the fix,
    ///   `.busy` when another process holds the port, `.notSupported` for line settings the
    ///   port cannot do, `.read` for anything else.
    public func open() throws(DeviceError) {
        let opened: SerialPort
        do {
            opened = try SerialPort(path: path, settings: settings)
        } catch {
            throw Self.deviceError(error)
        }
        let previous = port.withLock { port in
            let previous = port
            port = opened
            return previous
        }
        previous?.close()
    }

    /// Waits up to `timeout` for bytes; empty when none came.
    ///
    /// - Throws: `.disconnected` when the port hung up (unplugged) or is not open, `.read`
    ///   for another failure.
    public func receive(timeout: Duration) throws(DeviceError) -> [UInt8] {
        let open = try current()
        do {
            return try open.read(timeout: timeout)
        } catch {
            throw Self.deviceError(error)
        }
    }

    /// Writes the bytes whole within `timeout`.
    ///
    /// - Throws: `.disconnected` when the port hung up or is not open, `.write` otherwise
    ///   (a write that could not finish in time included).
    public func send(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        let open = try current()
        do {
            try open.write(bytes, timeout: timeout)
        } catch {
            throw Self.deviceError(error)
        }
    }

    /// Closes the port; safe twice and from another thread, and wakes a blocked `receive`,
    /// which then throws `.disconnected`.
    public func close() {
        port.withLock { $0.take() }?.close()
    }

    private func current() throws(DeviceError) -> SerialPort {
        guard let open = port.withLock({ $0 }) else {
            throw DeviceError(.disconnected, "serial port \(path) is not open", hint: "open the link first")
        }
        return open
    }

    /// A serial port failure as the device error a driver and the room understand.
    public static func deviceError(_ error: SerialDeviceError) -> DeviceError {
        let code: DeviceError.Code =
            switch error.kind {
            case .notFound: .notFound
            case .permissionDenied: .permissionDenied
            case .busy: .busy
            case .disconnected, .closed: .disconnected
            case .notATerminal, .unsupportedSettings: .notSupported
            case .timedOut: error.operation == "write" ? .write : .timedOut
            case .io: error.operation == "write" ? .write : .read
            }
        var message = "serial port \(error.path): \(error.operation) failed"
        if let systemError = error.systemError { message += ": \(systemError)" }
        if let detail = error.detail { message += ": \(detail)" }
        return DeviceError(code, message, hint: error.hint)
    }
}
