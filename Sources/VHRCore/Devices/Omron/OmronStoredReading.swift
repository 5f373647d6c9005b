/// One stored reading of a HEM-790IT-family device, the 14 data bytes of a GME reply.
///
/// Layout: 0 year − 2000, 1 month, 2 day, 3 hour, 4 minute, 5 second, 6–7 unknown,
/// 8 systolic, 9 diastolic, 10 pulse, 11 unknown, 12 flags, 13 XOR checksum of 0–12.
/// The time is the device's local clock with no zone.
public struct OmronStoredReading: Sendable, Equatable {
    public static let length = 14

    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var systolic: Int
    public var diastolic: Int
    public var pulse: Int
    /// The flags byte as stored.
    public var flags: UInt8

    /// For a TruRead triple, which reading of the three this is (1...3); `nil` for a single reading.
    public var truReadPosition: Int? {
        let position = Int(flags >> 4)
        return (1...3).contains(position) ? position : nil
    }

    /// Decodes and checks one 14-byte record.
    public init(record: [UInt8]) throws(OmronError) {
        guard record.count == Self.length else {
            throw .wrongLength(what: "the stored reading", expected: "\(Self.length)", actual: record.count)
        }
        try OmronChecksum.verify(record, what: "the stored reading")
        year = 2000 + Int(record[0])
        month = try OmronField.check("month", record[1], 1...12)
        day = try OmronField.check("day", record[2], 1...31)
        hour = try OmronField.check("hour", record[3], 0...23)
        minute = try OmronField.check("minute", record[4], 0...59)
        second = try OmronField.check("second", record[5], 0...59)
        systolic = Int(record[8])
        diastolic = Int(record[9])
        pulse = Int(record[10])
        flags = record[12]
    }
}

/// Range checks shared by the Omron record decoders.
enum OmronField {
    static func check(_ name: String, _ value: some BinaryInteger, _ range: ClosedRange<Int>) throws(OmronError)
        -> Int
    {
        let value = Int(value)
        guard range.contains(value) else { throw .fieldOutOfRange(field: name, value: value, range: range) }
        return value
    }
}
