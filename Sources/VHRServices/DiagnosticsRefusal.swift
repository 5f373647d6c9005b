/// Why `vhrctl diag --direct` did not run its checks: vhrd holds the room, or the room's
/// configuration or devices cannot be set up. The message says what to do.
public struct DiagnosticsRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the checks did not run.
    public enum Reason: Sendable, Equatable {
        /// vhrd runs and holds the state directory's lock.
        case daemonRunning
        /// The configuration, profiles or devices are unusable.
        case configuration
    }

    public var reason: Reason
    public var message: String
    public var hint: String?

    public init(_ reason: Reason, _ message: String, hint: String? = nil) {
        self.reason = reason
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message); \($0)" } ?? message }
}
