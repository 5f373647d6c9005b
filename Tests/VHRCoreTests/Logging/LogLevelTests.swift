import Testing
import VHRCore

@Suite struct LogLevelTests {
    @Test func rawValuesAreJournaldPriorities() {
        #expect(LogLevel.allCases.map(\.rawValue) == Array(0...7))
        #expect(LogLevel.error.rawValue == 3)
        #expect(LogLevel.warning.rawValue == 4)
        #expect(LogLevel.notice.rawValue == 5)
        #expect(LogLevel.info.rawValue == 6)
        #expect(LogLevel.debug.rawValue == 7)
    }

    @Test func comparisonIsBySeverity() {
        #expect(LogLevel.debug < .info)
        #expect(LogLevel.error > .warning)
        #expect(LogLevel.emergency == LogLevel.allCases.max())
        #expect(LogLevel.allCases.sorted() == LogLevel.allCases.reversed())
    }

    @Test func namesRoundTrip() {
        for level in LogLevel.allCases {
            #expect(LogLevel(name: level.name) == level)
            #expect(LogLevel(name: level.name.uppercased()) == level)
        }
        #expect(LogLevel(name: "verbose") == nil)
        #expect("\(LogLevel.warning)" == "warning")
    }
}
