import Foundation
import VHRCore
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's start history in the state directory (`runs.json`): vhrd records each start and
/// each clean stop, so `vhrctl diag` can tell restarts and unclean ends (a crash, a kill, the
/// watchdog, a power cut) in the last 24 hours. See `RunLog` for the model.
///
/// Written atomically (a new file renamed over the old), so a crash mid-write leaves the old
/// history, never half of one.
public final class RunHistory: Sendable {
    /// The file's name in the state directory.
    public static let fileName = "runs.json"

    /// The history file.
    public let path: String
    private let now: @Sendable () -> Date
    private let pid: Int32

    /// - Parameters:
    ///   - stateDirectory: vhrd's state directory.
    ///   - pid: The process recorded; this one unless a test says otherwise.
    ///   - now: The clock; tests inject one.
    public init(stateDirectory: String, pid: Int32 = getpid(), now: @escaping @Sendable () -> Date = Date.init) {
        path = stateDirectory + "/" + Self.fileName
        self.pid = pid
        self.now = now
    }

    /// Records a start. Call it once the state directory is locked, before serving. A missing or
    /// unreadable history starts afresh: the history must never stop the daemon.
    public func recordStart() throws(FileSystemError) {
        var log = (try? load()) ?? RunLog()
        log.recordStart(pid: pid, at: now())
        try save(log)
    }

    /// Records that this run stops cleanly. Call it last in shutdown, after the devices are released.
    public func recordCleanStop() throws(FileSystemError) {
        var log = (try? load()) ?? RunLog()
        guard log.recordCleanStop(pid: pid, at: now()) else { return }
        try save(log)
    }

    /// The history; `nil` when no start was ever recorded.
    /// - Throws: `RunHistoryError` when the file exists but cannot be read or is not a history.
    public func load() throws(RunHistoryError) -> RunLog? {
        guard Directories.fileExists(path: path) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try Directories.readFile(path: path)
        } catch {
            throw RunHistoryError(path: path, problem: "\(error)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(RunLog.self, from: Data(bytes))
        } catch {
            throw RunHistoryError(path: path, problem: "not a run history (\(error))")
        }
    }

    private func save(_ log: RunLog) throws(FileSystemError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding plain dates, numbers and strings cannot fail.
        let data = (try? encoder.encode(log)) ?? Data("{\"records\":[]}".utf8)
        try Directories.writeFileAtomically(path: path, bytes: Array(data), permissions: 0o644)
    }
}
