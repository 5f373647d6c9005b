/// Where log records go: stderr for journald in the daemon, memory in tests.
///
/// Handlers are called from any task or thread, concurrently, and must not block for long.
public protocol LogHandler: Sendable {
    /// Emits one record. The logger has already filtered it by level.
    func log(_ record: LogRecord)
}
