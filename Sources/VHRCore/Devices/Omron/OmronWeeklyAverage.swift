/// One weekly morning or evening average of a HEM-790IT-family device, the 9 data bytes of a
/// GMA/GEA reply.
///
/// Layout: 0 unknown (0x80), 1 unknown, 2 year − 2000, 3 month, 4 day (the week's start),
/// 5 systolic − 25, 6 diastolic, 7 pulse, 8 XOR checksum of 0–7. Systolic and diastolic 0
/// mean no readings that week.
public struct OmronWeeklyAverage: Sendable, Equatable {
    public static let length = 9

    public var year: Int
    public var month: Int
    public var day: Int
    /// Average systolic in mmHg; `nil` when the week has no readings.
    public var systolic: Int?
    public var diastolic: Int?
    public var pulse: Int?

    /// Decodes and checks one 9-byte record.
    public init(record: [UInt8]) throws(OmronError) {
        guard record.count == Self.length else {
            throw .wrongLength(what: "the weekly average", expected: "\(Self.length)", actual: record.count)
        }
        try OmronChecksum.verify(record, what: "the weekly average")
        year = 2000 + Int(record[2])
        month = try OmronField.check("month", record[3], 1...12)
        day = try OmronField.check("day", record[4], 1...31)
        let empty = record[5] == 0 && record[6] == 0
        // Stored as systolic − 25, like several Omron and Beurer formats.
        systolic = empty ? nil : Int(record[5]) + 25
        diastolic = empty ? nil : Int(record[6])
        pulse = empty ? nil : Int(record[7])
    }
}
