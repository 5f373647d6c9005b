/// The logging front end, shaped like swift-log's `Logger`: a cheap value with a label, a
/// minimum level and metadata, in front of a `LogHandler`.
///
/// Pass loggers down to whatever needs one (libraries never build their own), and put data in
/// metadata rather than in the message:
///
/// ```swift
/// logger.info("visit started", ["visit": id])
/// ```
public struct Logger: Sendable {
    /// The subsystem, shown in front of each message: "uploads", "devices".
    public var label: String
    /// Records below this level are dropped before their message is even built.
    public var minimumLevel: LogLevel
    /// Metadata attached to every record from this logger.
    public var metadata: [String: String]
    /// Where records go.
    public var handler: any LogHandler

    public init(
        label: String, minimumLevel: LogLevel = .info, metadata: [String: String] = [:], handler: any LogHandler
    ) {
        self.label = label
        self.minimumLevel = minimumLevel
        self.metadata = metadata
        self.handler = handler
    }

    /// A logger that drops everything, for code paths that need one but have nothing to say.
    public static func discarding(label: String = "") -> Logger {
        Logger(label: label, minimumLevel: .emergency, handler: DiscardingLogHandler())
    }

    /// Reads or sets one metadata value on this logger.
    public subscript(metadataKey key: String) -> String? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A copy of this logger with `extra` metadata added (for a visit, a device, a connection).
    public func with(_ extra: [String: String]) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    /// A copy of this logger with another label, sharing the handler and metadata.
    public func withLabel(_ label: String) -> Logger {
        var copy = self
        copy.label = label
        return copy
    }

    /// Whether a record at `level` would be emitted.
    public func isEnabled(_ level: LogLevel) -> Bool {
        level >= minimumLevel
    }

    /// Logs `message` at `level` with `metadata` added to the logger's own.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        guard isEnabled(level) else { return }
        let merged = metadata.isEmpty ? self.metadata : self.metadata.merging(metadata) { _, new in new }
        handler.log(LogRecord(level: level, message: message(), metadata: merged, label: label))
    }

    /// Logs at `.emergency` (0).
    public func emergency(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.emergency, message(), metadata)
    }

    /// Logs at `.alert` (1).
    public func alert(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.alert, message(), metadata)
    }

    /// Logs at `.critical` (2).
    public func critical(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.critical, message(), metadata)
    }

    /// Logs at `.error` (3).
    public func error(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.error, message(), metadata)
    }

    /// Logs at `.warning` (4).
    public func warning(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.warning, message(), metadata)
    }

    /// Logs at `.notice` (5).
    public func notice(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.notice, message(), metadata)
    }

    /// Logs at `.info` (6).
    public func info(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.info, message(), metadata)
    }

    /// Logs at `.debug` (7).
    public func debug(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        log(.debug, message(), metadata)
    }
}
