import Foundation
import Testing
import VHRCore

@Suite struct RunLogTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aCleanStopClosesTheRunAndAnOpenOneIsUncleanOnceTheNextStarts() {
        var log = RunLog()
        log.recordStart(pid: 10, at: now.addingTimeInterval(-7200))
        let stopped = log.recordCleanStop(pid: 10, at: now.addingTimeInterval(-7000))
        #expect(stopped)
        log.recordStart(pid: 11, at: now.addingTimeInterval(-3600))  // crashes: never stopped
        log.recordStart(pid: 12, at: now.addingTimeInterval(-60))  // running now
        let summary = log.summary(now: now, runningPID: 12)
        #expect(summary == RunLog.Summary(starts: 3, unclean: 1, lastUnclean: now.addingTimeInterval(-3600)))
    }

    @Test func withNoDaemonRunningTheLastOpenRunIsUncleanToo() {
        var log = RunLog()
        log.recordStart(pid: 20, at: now.addingTimeInterval(-100))
        #expect(log.summary(now: now, runningPID: nil).unclean == 1)
        #expect(log.summary(now: now, runningPID: 20).unclean == 0)
        // Another pid running means the open record is not the current run.
        #expect(log.summary(now: now, runningPID: 21).unclean == 1)
    }

    @Test func onlyTheLastDayCounts() {
        var log = RunLog()
        log.recordStart(pid: 1, at: now.addingTimeInterval(-2 * 24 * 3600))
        log.recordStart(pid: 2, at: now.addingTimeInterval(-10))
        let summary = log.summary(now: now, runningPID: 2)
        #expect(summary.starts == 1)
        #expect(summary.unclean == 0)
        #expect(summary.lastUnclean == nil)
    }

    @Test func aStopOfAnUnknownPIDChangesNothing() {
        var log = RunLog()
        log.recordStart(pid: 5, at: now)
        let before = log
        let stopped = log.recordCleanStop(pid: 6, at: now)
        #expect(!stopped)
        #expect(log == before)
    }

    @Test func theLogIsTrimmedToItsLimit() {
        var log = RunLog()
        for index in 0..<(RunLog.maximumRecords + 5) {
            log.recordStart(pid: Int32(index), at: now.addingTimeInterval(Double(index)))
        }
        #expect(log.records.count == RunLog.maximumRecords)
        #expect(log.records.first?.pid == 5)
    }
}
