import CLibSerialPort

/// A failed libserialport call: the `sp_return` code, the operating system's message when the
/// OS failed, what vhr was doing, and a hint.
public struct SerialPortError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The `sp_return` code, negative (`SP_ERR_FAIL` is -2).
    public var code: Int32
    /// The OS's `errno` when ``code`` is `SP_ERR_FAIL`, else `nil`.
    public var systemError: Int32?
    /// The OS's message (`sp_last_error_message`) for `SP_ERR_FAIL`, libserialport's meaning of
    /// the code otherwise.
    public var message: String
    /// What vhr was doing: "list ports", ….
    public var operation: String

    /// An error from its parts; ``lastError(code:operation:)`` builds one right after a failed call.
    public init(code: Int32, systemError: Int32? = nil, message: String, operation: String) {
        self.code = code
        self.systemError = systemError
        self.message = message
        self.operation = operation
    }

    /// The error for a call that just returned `code`, with the OS's error when `code` is
    /// `SP_ERR_FAIL`. Call it right after the failing call: like `errno`, libserialport's last
    /// error is thread-local state the next call overwrites.
    ///
    /// The corresponding C functions are `sp_last_error_code`, `sp_last_error_message` and
    /// `sp_free_error_message`.
    public static func lastError(code: Int32, operation: String) -> SerialPortError {
        let kind = Kind(code: code)
        guard kind == .systemFailure else {
            return SerialPortError(code: code, message: kind.meaning, operation: operation)
        }
        let systemError = sp_last_error_code()
        var message = kind.meaning
        if let text = sp_last_error_message() {
            message = String(cString: text)
            sp_free_error_message(text)
        }
        return SerialPortError(code: code, systemError: systemError, message: message, operation: operation)
    }

    /// The classes of libserialport failure, one per `sp_return` error value.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `SP_ERR_ARG`: vhr passed a bad argument, or the port does not exist.
        case invalidArgument
        /// `SP_ERR_FAIL`: the operating system reported an error.
        case systemFailure
        /// `SP_ERR_MEM`: out of memory.
        case outOfMemory
        /// `SP_ERR_SUPP`: not supported on this platform or port.
        case notSupported
        /// A code libserialport does not document.
        case other

        /// The kind of an `sp_return` code.
        public init(code: Int32) {
            self =
                switch code {
                case SP_ERR_ARG.rawValue: .invalidArgument
                case SP_ERR_FAIL.rawValue: .systemFailure
                case SP_ERR_MEM.rawValue: .outOfMemory
                case SP_ERR_SUPP.rawValue: .notSupported
                default: .other
                }
        }

        /// What libserialport's documentation says the code means.
        var meaning: String {
            switch self {
            case .invalidArgument: "invalid argument or no such port"
            case .systemFailure: "the operating system reported an error"
            case .outOfMemory: "out of memory"
            case .notSupported: "not supported on this system"
            case .other: "unknown libserialport error"
            }
        }
    }

    /// The class of failure.
    public var kind: Kind { Kind(code: code) }

    /// What a technician should do, when there is something obvious.
    public var hint: String? {
        switch kind {
        case .systemFailure where systemError == Errno.permissionDenied.rawValue:
            "add the vhr user to group vhr and install the udev rules (udev/ in the source tree)"
        case .systemFailure where systemError == Errno.noSuchFileOrDirectory.rawValue:
            "the port is gone (unplugged), or /sys is not mounted"
        case .outOfMemory: "the system is out of memory"
        default: nil
        }
    }

    public var description: String {
        var text = "libserialport \(operation): \(message)"
        if let systemError { text += " (errno \(systemError))" }
        if let hint { text += "; \(hint)" }
        return text
    }
}
