import Foundation

/// AbsoluteTime (IEEE 11073-20601): eight BCD bytes — century, year, month, day, hour, minute, second,
/// hundredths — on the device's own local clock, with no time zone.
///
/// Bytes that are not a real date are kept and flagged, never turned into an invented time: a cuff with
/// an unset clock (all 0x00 or all 0xFF) or a broken one must not date a reading.
public struct AbsoluteTime: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What is wrong with the bytes, if anything.
    public enum Problem: String, Sendable, Hashable, Codable {
        /// All 0x00 or all 0xFF: the device's clock was never set or it sends no time.
        case unset
        /// A nibble above 9.
        case invalidBCD
        /// Valid BCD but not a date or time of day (month 13, hour 25, 31 February).
        case outOfRange
    }

    /// The eight bytes as sent.
    public var raw: [UInt8]
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// Hundredths of a second.
    public let hundredths: Int
    /// Nil when the bytes are a real local date and time.
    public let problem: Problem?

    /// Decodes eight bytes; fails only if there are not eight.
    public init(bytes: [UInt8]) throws(IEEE11073Error) {
        guard bytes.count == 8 else {
            throw IEEE11073Error(
                field: "AbsoluteTime", offset: 0, kind: .lengthMismatch(declared: 8, actual: bytes.count))
        }
        raw = bytes
        let digits = bytes.map { byte -> Int? in
            let high = Int(byte >> 4)
            let low = Int(byte & 0x0F)
            return high <= 9 && low <= 9 ? high * 10 + low : nil
        }
        let values = digits.map { $0 ?? 0 }
        year = values[0] * 100 + values[1]
        month = values[2]
        day = values[3]
        hour = values[4]
        minute = values[5]
        second = values[6]
        hundredths = values[7]
        if bytes.allSatisfy({ $0 == 0 }) || bytes.allSatisfy({ $0 == 0xFF }) {
            problem = .unset
        } else if digits.contains(nil) {
            problem = .invalidBCD
        } else if !Self.isRealDate(year: year, month: month, day: day) || hour > 23 || minute > 59 || second > 59 {
            problem = .outOfRange
        } else {
            problem = nil
        }
    }

    /// Reads eight bytes.
    public static func read(_ reader: inout MDERReader, _ field: String) throws(IEEE11073Error) -> AbsoluteTime {
        try AbsoluteTime(bytes: reader.bytes(8, field))
    }

    private static func isRealDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// `2007-12-06T12:10:00.00` (local, no zone), or the raw bytes and the problem when not a real time.
    public var description: String {
        if let problem { return "\(problem.rawValue) (\(Hex.string(raw)))" }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second)).\(two(hundredths))"
    }

    /// The instant this local time names in `timeZone` (the room's zone, since the device has none), or nil
    /// when the bytes are not a real time.
    public func date(in timeZone: TimeZone) -> Date? {
        guard problem == nil else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second,
            nanosecond: hundredths * 10_000_000)
        return calendar.date(from: components)
    }
}
