/// A handler that drops every record.
public struct DiscardingLogHandler: LogHandler {
    public init() {}

    public func log(_ record: LogRecord) {}
}
