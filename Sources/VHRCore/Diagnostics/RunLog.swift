import Foundation

/// The daemon's start history: one record per start, closed by a clean stop. A record left open
/// when the next start comes is a run that ended without stopping cleanly (a crash, a kill, a
/// watchdog abort or a power cut).
///
/// Kept in the state directory as JSON (`runs.json`, see `RunHistory`), trimmed to
/// `maximumRecords` so it never grows without bound.
public struct RunLog: Sendable, Equatable, Codable {
    /// One start of the daemon.
    public struct Record: Sendable, Equatable, Codable {
        public var started: Date
        public var pid: Int32
        /// When it stopped cleanly; `nil` while running, or when it never did.
        public var stopped: Date?

        public init(started: Date, pid: Int32, stopped: Date? = nil) {
            self.started = started
            self.pid = pid
            self.stopped = stopped
        }
    }

    /// What the history says about the last 24 hours.
    public struct Summary: Sendable, Equatable {
        /// Starts in the window, the current one included.
        public var starts: Int
        /// Runs started in the window that ended without a clean stop (the current run excluded).
        public var unclean: Int
        /// When the latest of those started.
        public var lastUnclean: Date?

        public init(starts: Int, unclean: Int, lastUnclean: Date?) {
            self.starts = starts
            self.unclean = unclean
            self.lastUnclean = lastUnclean
        }
    }

    /// Records kept; older ones are dropped.
    public static let maximumRecords = 100

    /// Oldest first.
    public var records: [Record]

    public init(records: [Record] = []) {
        self.records = records
    }

    /// Adds a start, trimming the oldest records beyond `maximumRecords`.
    public mutating func recordStart(pid: Int32, at time: Date) {
        records.append(Record(started: time, pid: pid))
        if records.count > Self.maximumRecords { records.removeFirst(records.count - Self.maximumRecords) }
    }

    /// Closes the latest open record of `pid`; returns false when there is none.
    @discardableResult
    public mutating func recordCleanStop(pid: Int32, at time: Date) -> Bool {
        guard let index = records.lastIndex(where: { $0.pid == pid && $0.stopped == nil }) else { return false }
        records[index].stopped = time
        return true
    }

    /// Starts and unclean ends in the `window` before `now`.
    ///
    /// - Parameter runningPID: The pid of the daemon running now, whose open record is not an
    ///   unclean end; `nil` when no daemon runs (then every open record is one).
    public func summary(now: Date, window: TimeInterval = 24 * 3600, runningPID: Int32?) -> Summary {
        let recent = records.enumerated().filter { now.timeIntervalSince($0.element.started) <= window }
        let lastIndex = records.count - 1
        let unclean = recent.filter { index, record in
            guard record.stopped == nil else { return false }
            // The current run's record is open because it is still running.
            return !(index == lastIndex && runningPID == record.pid)
        }
        return Summary(starts: recent.count, unclean: unclean.count, lastUnclean: unclean.last?.element.started)
    }
}
