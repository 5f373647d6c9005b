/// A Bluetooth SIG Blood Pressure Measurement value (characteristic 0x2A35, service 0x1810).
///
/// Little-endian: flags (b0 kPa, b1 timestamp, b2 pulse rate, b3 user id, b4 status), three
/// SFLOATs (systolic, diastolic, MAP), then the fields the flags announce, in that order. The
/// same layout carries Intermediate Cuff Pressure (0x2A36), with the pressure in `systolic`.
public struct BluetoothBPMMeasurement: Sendable, Equatable {
    public enum Unit: String, Sendable, Equatable {
        case mmHg
        case kPa
    }

    /// The device's clock, no zone; a year, month or day of 0 means "not known".
    public struct Timestamp: Sendable, Equatable {
        public var year: Int
        public var month: Int
        public var day: Int
        public var hour: Int
        public var minute: Int
        public var second: Int
    }

    /// The measurement status bits.
    public struct Status: OptionSet, Sendable, Equatable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let bodyMovement = Status(rawValue: 1 << 0)
        public static let cuffTooLoose = Status(rawValue: 1 << 1)
        public static let irregularPulse = Status(rawValue: 1 << 2)
        public static let improperPosition = Status(rawValue: 1 << 5)

        /// Bits 3–4: the pulse rate against the device's limits.
        public var pulseRateRange: PulseRateRange {
            PulseRateRange(rawValue: UInt8((rawValue >> 3) & 0x03)) ?? .reserved
        }
    }

    public enum PulseRateRange: UInt8, Sendable, Equatable {
        case withinRange = 0
        case aboveUpperLimit = 1
        case belowLowerLimit = 2
        case reserved = 3
    }

    public var unit: Unit
    public var systolic: NumericValue
    public var diastolic: NumericValue
    public var meanArterial: NumericValue
    public var timestamp: Timestamp?
    public var pulseRate: NumericValue?
    /// The user index; 255 means an unknown user.
    public var userID: UInt8?
    public var status: Status?

    /// Decodes one whole value; every field the flags announce must be present, and nothing more.
    public init(bytes: [UInt8]) throws(BluetoothBPMError) {
        var offset = 0
        func take(_ count: Int, _ field: String) throws(BluetoothBPMError) -> ArraySlice<UInt8> {
            guard bytes.count >= offset + count else {
                throw .truncated(field: field, needed: offset + count, actual: bytes.count)
            }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func u16(_ field: String) throws(BluetoothBPMError) -> UInt16 {
            let pair = try take(2, field)
            return UInt16(pair[pair.startIndex]) | UInt16(pair[pair.startIndex + 1]) << 8
        }
        func sfloat(_ field: String) throws(BluetoothBPMError) -> NumericValue {
            SFloat(raw: try u16(field)).value
        }
        let flags = try take(1, "flags").first ?? 0
        unit = flags & 0x01 == 0 ? .mmHg : .kPa
        systolic = try sfloat("systolic")
        diastolic = try sfloat("diastolic")
        meanArterial = try sfloat("mean arterial pressure")
        timestamp = nil
        if flags & 0x02 != 0 {
            let year = Int(try u16("timestamp"))
            let rest = Array(try take(5, "timestamp"))
            func check(_ name: String, _ value: UInt8, _ range: ClosedRange<Int>) throws(BluetoothBPMError) -> Int {
                guard range.contains(Int(value)) else {
                    throw .fieldOutOfRange(field: name, value: Int(value), range: range)
                }
                return Int(value)
            }
            timestamp = Timestamp(
                year: year, month: try check("month", rest[0], 0...12), day: try check("day", rest[1], 0...31),
                hour: try check("hour", rest[2], 0...23), minute: try check("minute", rest[3], 0...59),
                second: try check("second", rest[4], 0...59))
        }
        pulseRate = flags & 0x04 != 0 ? try sfloat("pulse rate") : nil
        userID = flags & 0x08 != 0 ? try take(1, "user id").first : nil
        status = flags & 0x10 != 0 ? Status(rawValue: try u16("measurement status")) : nil
        guard offset == bytes.count else { throw .trailingBytes(bytes.count - offset) }
    }
}
