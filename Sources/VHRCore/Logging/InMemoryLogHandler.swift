import Synchronization

/// A handler that keeps records in memory, for tests (swift-log's `InMemoryLogHandler`): give
/// the code under test a `Logger` over one, then assert on `records`.
public final class InMemoryLogHandler: LogHandler {
    private let stored = Mutex<[LogRecord]>([])

    public init() {}

    public func log(_ record: LogRecord) {
        stored.withLock { $0.append(record) }
    }

    /// Every record so far, in the order they were logged.
    public var records: [LogRecord] {
        stored.withLock { $0 }
    }

    /// Just the messages, in order.
    public var messages: [String] {
        records.map(\.message)
    }

    /// Forgets every record.
    public func clear() {
        stored.withLock { $0.removeAll() }
    }
}
