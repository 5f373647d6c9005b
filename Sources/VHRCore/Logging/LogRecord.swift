/// One log event, as handed to a `LogHandler`.
///
/// There is no timestamp: on a systemd system journald stamps each line as it arrives, and
/// tests compare records without one.
public struct LogRecord: Sendable, Hashable {
    /// The severity.
    public var level: LogLevel
    /// The event in words, without data: "visit started".
    public var message: String
    /// The data: the logger's metadata merged with the call's (the call wins).
    public var metadata: [String: String]
    /// The logger's label, naming the subsystem: "uploads", "devices".
    public var label: String

    public init(level: LogLevel, message: String, metadata: [String: String] = [:], label: String = "") {
        self.level = level
        self.message = message
        self.metadata = metadata
        self.label = label
    }
}
