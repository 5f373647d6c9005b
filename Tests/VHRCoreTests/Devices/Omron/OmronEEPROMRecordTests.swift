import Testing

@testable import VHRCore

@Suite struct OmronEEPROMRecordTests {
    /// Packs a record by the obpm layout: the month in b4 bits 2–5, the day across b4 bits 0–1
    /// and b5 bits 5–7, the hour in b5 bits 0–4, the minute in b6 bits 0–3 and b7 bits 6–7.
    static func pack(sys: Int, dia: Int, year: Int, pulse: Int, month: Int, day: Int, hour: Int, minute: Int)
        -> [UInt8]
    {
        let b4 = UInt8(month << 2 | day >> 3)
        let b5 = UInt8((day & 0x07) << 5 | hour)
        let b6 = UInt8(minute >> 2)
        let b7 = UInt8((minute & 0x03) << 6)
        return [UInt8(dia), UInt8(sys - 25), UInt8(year - 2000), UInt8(pulse), b4, b5, b6, b7, 0, 0, 0, 0, 0, 0]
    }

    @Test(arguments: [(2016, 1, 1, 0, 0), (2024, 12, 31, 23, 59), (2019, 7, 15, 8, 37)])
    func unpacksTheBitFields(_ time: (Int, Int, Int, Int, Int)) throws {
        let (year, month, day, hour, minute) = time
        let record = try #require(
            try OmronEEPROMRecord.decode(
                Self.pack(sys: 138, dia: 88, year: year, pulse: 61, month: month, day: day, hour: hour, minute: minute))
        )
        #expect(record.systolic == 138)  // stored as 113: the off-by-25
        #expect(record.diastolic == 88)
        #expect(record.pulse == 61)
        #expect((record.year, record.month, record.day, record.hour, record.minute) == time)
    }

    @Test func skipsUnusedSlotsInABlock() throws {
        let used = Self.pack(sys: 120, dia: 80, year: 2020, pulse: 70, month: 3, day: 9, hour: 7, minute: 5)
        let empty = [UInt8](repeating: 0xFF, count: 14)
        let records = try OmronEEPROMRecord.decodeAll(used + empty + used)
        #expect(records.count == 2)
        #expect(try OmronEEPROMRecord.decode(empty) == nil)
        #expect(
            throws: OmronError.wrongLength(what: "the HEM-7322U record block", expected: "a multiple of 14", actual: 15)
        ) {
            try OmronEEPROMRecord.decodeAll(used + [0])
        }
    }

    @Test func rejectsImpossibleDates() {
        let record = Self.pack(sys: 120, dia: 80, year: 2020, pulse: 70, month: 0, day: 9, hour: 7, minute: 5)
        #expect(throws: OmronError.fieldOutOfRange(field: "month", value: 0, range: 1...12)) {
            try OmronEEPROMRecord.decode(record)
        }
    }
}
