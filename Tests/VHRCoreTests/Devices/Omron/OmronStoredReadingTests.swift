import Testing

@testable import VHRCore

@Suite struct OmronStoredReadingTests {
    static func record(_ fields: [UInt8]) -> [UInt8] { fields + [OmronChecksum.xor(fields)] }

    @Test func readsTruReadPosition() throws {
        let reading = try OmronStoredReading(
            record: Self.record([0x09, 0x0C, 0x1F, 0x17, 0x3B, 0x3B, 0, 0, 150, 95, 80, 0, 0x21]))
        #expect(reading.year == 2009)
        #expect((reading.month, reading.day, reading.hour, reading.minute, reading.second) == (12, 31, 23, 59, 59))
        #expect(reading.truReadPosition == 2)
    }

    @Test func rejectsOutOfRangeFieldsAndBadChecksums() {
        #expect(throws: OmronError.fieldOutOfRange(field: "month", value: 13, range: 1...12)) {
            try OmronStoredReading(record: Self.record([0x09, 13, 1, 0, 0, 0, 0, 0, 120, 80, 70, 0, 0]))
        }
        #expect(throws: OmronError.fieldOutOfRange(field: "minute", value: 60, range: 0...59)) {
            try OmronStoredReading(record: Self.record([0x09, 1, 1, 0, 60, 0, 0, 0, 120, 80, 70, 0, 0]))
        }
        var bad = Self.record([0x09, 1, 1, 0, 0, 0, 0, 0, 120, 80, 70, 0, 0])
        bad[13] ^= 0xFF
        #expect(throws: OmronError.badChecksum(what: "the stored reading", expected: bad[13] ^ 0xFF, found: bad[13])) {
            try OmronStoredReading(record: bad)
        }
        #expect(throws: OmronError.wrongLength(what: "the stored reading", expected: "14", actual: 13)) {
            try OmronStoredReading(record: Array(repeating: 0, count: 13))
        }
    }

    @Test func weeklyAverageWithoutReadings() throws {
        let average = try OmronWeeklyAverage(record: Self.record([0x80, 0x02, 0x09, 0x04, 0x1A, 0, 0, 0]))
        #expect(average.systolic == nil && average.diastolic == nil && average.pulse == nil)
        #expect(average.day == 26)
        #expect(throws: OmronError.wrongLength(what: "the weekly average", expected: "9", actual: 14)) {
            try OmronWeeklyAverage(record: Array(repeating: 0, count: 14))
        }
    }
}
