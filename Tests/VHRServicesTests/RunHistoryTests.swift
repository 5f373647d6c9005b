import Foundation
import Synchronization
import Testing
import VHRCore
import VHRServices

@Suite struct RunHistoryTests {
    static func directory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-runs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test func startsAndCleanStopsSurviveInTheFile() throws {
        let state = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        #expect(try RunHistory(stateDirectory: state, pid: 1, now: now).load() == nil)

        let first = RunHistory(stateDirectory: state, pid: 1, now: now)
        try first.recordStart()
        clock.withLock { $0 += 60 }
        try first.recordCleanStop()
        clock.withLock { $0 += 60 }
        try RunHistory(stateDirectory: state, pid: 2, now: now).recordStart()  // then killed
        clock.withLock { $0 += 60 }
        let third = RunHistory(stateDirectory: state, pid: 3, now: now)
        try third.recordStart()

        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let log = try #require(try third.load())
        #expect(
            log.records == [
                RunLog.Record(started: start, pid: 1, stopped: start + 60),
                RunLog.Record(started: start + 120, pid: 2),
                RunLog.Record(started: start + 180, pid: 3),
            ])
        #expect(log.summary(now: start + 200, runningPID: 3).unclean == 1)
        #expect(third.path == state + "/runs.json")
    }

    @Test func aDamagedHistoryIsReportedAndReplacedAtTheNextStart() throws {
        let state = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: state + "/runs.json"))
        let history = RunHistory(stateDirectory: state, pid: 9, now: { Date(timeIntervalSince1970: 0) })
        #expect(throws: RunHistoryError.self) { try history.load() }
        try history.recordStart()
        #expect(try history.load()?.records == [RunLog.Record(started: Date(timeIntervalSince1970: 0), pid: 9)])
    }
}
