import CLibUSB

/// A failed libusb call: libusb's error code and text, what vhr was doing, and a hint.
public struct LibUSBError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The `libusb_error` code, negative (`LIBUSB_ERROR_ACCESS` is -3).
    public var code: Int32
    /// libusb's text for the code, e.g. "Access denied (insufficient permissions)".
    public var message: String
    /// What vhr was doing: "init", "get device list", "open", "read string descriptor", ….
    public var operation: String
    /// The device involved, as ``USBDeviceDescription/location`` writes it ("usb 1-3").
    public var device: String?

    /// An error for `code`, with libusb's text for it.
    ///
    /// The corresponding C function is `libusb_strerror`.
    public init(code: Int32, operation: String, device: String? = nil) {
        self.code = code
        // libusb_strerror returns a static string, valid for the process's lifetime.
        self.message = String(cString: libusb_strerror(code))
        self.operation = operation
        self.device = device
    }

    /// The classes of libusb failure, one per `libusb_error` value.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case io, invalidParameter, access, noDevice, notFound, busy, timeout, overflow, pipe, interrupted
        case outOfMemory, notSupported, other

        /// The kind of a `libusb_error` code; codes libusb may add later are `other`.
        public init(code: Int32) {
            self =
                switch code {
                case LIBUSB_ERROR_IO.rawValue: .io
                case LIBUSB_ERROR_INVALID_PARAM.rawValue: .invalidParameter
                case LIBUSB_ERROR_ACCESS.rawValue: .access
                case LIBUSB_ERROR_NO_DEVICE.rawValue: .noDevice
                case LIBUSB_ERROR_NOT_FOUND.rawValue: .notFound
                case LIBUSB_ERROR_BUSY.rawValue: .busy
                case LIBUSB_ERROR_TIMEOUT.rawValue: .timeout
                case LIBUSB_ERROR_OVERFLOW.rawValue: .overflow
                case LIBUSB_ERROR_PIPE.rawValue: .pipe
                case LIBUSB_ERROR_INTERRUPTED.rawValue: .interrupted
                case LIBUSB_ERROR_NO_MEM.rawValue: .outOfMemory
                case LIBUSB_ERROR_NOT_SUPPORTED.rawValue: .notSupported
                default: .other
                }
        }
    }

    /// The class of failure.
    public var kind: Kind { Kind(code: code) }

    /// The symbolic name of the code, e.g. "LIBUSB_ERROR_ACCESS".
    ///
    /// The corresponding C function is `libusb_error_name`.
    public var name: String { String(cString: libusb_error_name(code)) }

    /// What a technician should do, when there is something obvious.
    public var hint: String? {
        switch kind {
        case .access: "add the vhr user to group vhr and install the udev rules (udev/ in the source tree)"
        case .noDevice: "the device was unplugged; plug it back in"
        case .busy: "another driver holds the interface"
        case .timeout: "the device did not answer in time; unplug it and plug it back in"
        case .pipe: "the device refused the request (endpoint stalled); unplug it and plug it back in"
        case .outOfMemory: "the system is out of memory"
        case .io: "the transfer failed; check the cable and the kernel log (journalctl -k)"
        case .notFound: "the device is not plugged in, or not the model configured; check `vhrctl devices`"
        case .invalidParameter, .overflow, .interrupted, .notSupported, .other: nil
        }
    }

    public var description: String {
        var text = "libusb \(operation)"
        if let device { text += " \(device)" }
        text += ": \(message) (\(name))"
        if let hint { text += "; \(hint)" }
        return text
    }
}
