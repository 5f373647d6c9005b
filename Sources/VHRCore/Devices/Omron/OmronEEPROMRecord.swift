/// One 14-byte stored reading in a HEM-7131U / HEM-7322U's EEPROM (per LazyT/obpm).
///
/// Layout: 0 diastolic, 1 systolic − 25, 2 year − 2000, 3 pulse, then bit-packed:
/// month = (b4 >> 2) & 0x0F, day = ((b4 << 8 | b5) >> 5) & 0x1F, hour = b5 & 0x1F,
/// minute = ((b6 << 8 | b7) >> 6) & 0x3F. Bytes 8–13 are not decoded. An unused slot holds
/// 0xFF in bytes 0–2. The record has no checksum of its own; the read frame carries one.
public struct OmronEEPROMRecord: Sendable, Equatable {
    public static let length = 14

    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var systolic: Int
    public var diastolic: Int
    public var pulse: Int

    /// Decodes one record; `nil` for an unused slot.
    public static func decode(_ record: [UInt8]) throws(OmronError) -> OmronEEPROMRecord? {
        guard record.count == length else {
            throw .wrongLength(what: "the HEM-7322U record", expected: "\(length)", actual: record.count)
        }
        if record[0] == 0xFF, record[1] == 0xFF, record[2] == 0xFF { return nil }
        return try OmronEEPROMRecord(checked: record)
    }

    /// The readings in a block of consecutive records, skipping unused slots.
    public static func decodeAll(_ block: [UInt8]) throws(OmronError) -> [OmronEEPROMRecord] {
        guard block.count % length == 0 else {
            throw .wrongLength(what: "the HEM-7322U record block", expected: "a multiple of 14", actual: block.count)
        }
        var records: [OmronEEPROMRecord] = []
        for start in stride(from: 0, to: block.count, by: length) {
            if let record = try decode(Array(block[start..<(start + length)])) { records.append(record) }
        }
        return records
    }

    private init(checked record: [UInt8]) throws(OmronError) {
        let b4 = Int(record[4])
        let b5 = Int(record[5])
        diastolic = Int(record[0])
        // Stored as systolic − 25: the easy off-by-25 bug.
        systolic = Int(record[1]) + 25
        year = 2000 + Int(record[2])
        pulse = Int(record[3])
        month = try OmronField.check("month", (b4 >> 2) & 0x0F, 1...12)
        day = try OmronField.check("day", ((b4 << 8 | b5) >> 5) & 0x1F, 1...31)
        hour = try OmronField.check("hour", b5 & 0x1F, 0...23)
        minute = try OmronField.check("minute", ((Int(record[6]) << 8 | Int(record[7])) >> 6) & 0x3F, 0...59)
    }
}
