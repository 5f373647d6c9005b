import Glibc

/// A failure of an open serial port (``SerialPort``): what went wrong, on which device, during
/// what, the OS's error when there is one, and what to do about it.
///
/// `SerialPortError` is libserialport's (enumeration); this one is the termios port's.
public struct SerialDeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The classes of failure a caller acts on differently.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The device node does not exist (`ENOENT`, `ENXIO`, `ENODEV` at open): unplugged,
        /// not yet enumerated, or a wrong path. Retrying later is right.
        case notFound
        /// No permission to open the node (`EACCES`, `EPERM`).
        case permissionDenied
        /// Another process holds the port (`EBUSY`, or its exclusive lock).
        case busy
        /// The device went away while open (hang-up, `EIO`, `ENODEV`): close and reopen.
        case disconnected
        /// A write could not finish within its timeout (flow control holding it, a stuck adapter).
        case timedOut
        /// The node is not a terminal (`ENOTTY`): a wrong path.
        case notATerminal
        /// The settings are not valid, or the driver did not accept them (a pty keeps only 8N1).
        case unsupportedSettings
        /// ``SerialPort/close()`` was called, from this or another thread.
        case closed
        /// Any other OS failure.
        case io
    }

    public var kind: Kind
    /// The device node, e.g. `/dev/ttyUSB0`.
    public var path: String
    /// What vhr was doing: "open", "read", "write", "set line settings", ….
    public var operation: String
    /// The OS's error, when there is one.
    public var systemError: Errno?
    /// More detail, when the kind and the OS's error do not say enough.
    public var detail: String?

    public init(_ kind: Kind, path: String, operation: String, systemError: Errno? = nil, detail: String? = nil) {
        self.kind = kind
        self.path = path
        self.operation = operation
        self.systemError = systemError
        self.detail = detail
    }

    /// The error for an OS failure of `operation` on `path`, classed by its `errno`.
    public init(_ error: Errno, path: String, operation: String) {
        let kind: Kind
        switch error.rawValue {
        case ENOENT: kind = .notFound
        // At open, "no such device" means nothing is behind the node; later, that it went away.
        case ENXIO, ENODEV: kind = operation == "open" ? .notFound : .disconnected
        case EACCES, EPERM: kind = .permissionDenied
        case EBUSY, EAGAIN: kind = .busy
        case EIO, EPIPE: kind = .disconnected
        case ENOTTY: kind = .notATerminal
        default: kind = .io
        }
        self.init(kind, path: path, operation: operation, systemError: error)
    }

    /// What a technician should do.
    public var hint: String {
        switch kind {
        case .notFound:
            "is the device plugged in and powered? 'vhrctl devices' lists the serial ports; check the path in the "
                + "room configuration"
        case .permissionDenied:
            "add the vhr user to group vhr and install the udev rules (udev/ in the source tree) that give the "
                + "group the port"
        case .busy:
            "another program has the port open (ModemManager, a terminal, a second vhrd); "
                + "'fuser -v \(path)' names it"
        case .disconnected: "the device was unplugged or lost power; vhr reopens it when it is back"
        case .timedOut: "the device is not taking data; check the cable, its power and the flow-control setting"
        case .notATerminal: "\(path) is not a serial port; check the path in the room configuration"
        case .unsupportedSettings: "check the line settings in the device profile against the device's manual"
        case .closed: "the port was closed by vhr itself"
        case .io: "check the cable and the kernel log ('journalctl -k') for the adapter's messages"
        }
    }

    public var description: String {
        var text = "serial port \(path): \(operation) failed"
        if let systemError { text += ": \(systemError)" }
        if let detail { text += ": \(detail)" }
        return text + "; \(hint)"
    }
}
