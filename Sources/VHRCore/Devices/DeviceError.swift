/// The one error a device reports at the service boundary.
///
/// The codes are a small closed set (after fwupd's `FwupdError`) so that the daemon, the
/// control protocol and `vhrctl` can each map them once. `message` says what happened and
/// `hint` what a person in the room or a technician should do about it.
public struct DeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case notFound = "not_found"
        case disconnected
        case permissionDenied = "permission_denied"
        case busy
        case timedOut = "timed_out"
        case read
        case write
        case invalidData = "invalid_data"
        case notSupported = "not_supported"
        case internalError = "internal"
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message) (\($0))" } ?? message
    }
}
