/// SFLOAT-Type (IEEE 11073-20601): 16 bits, a signed 4-bit exponent over a signed 12-bit mantissa.
///
/// The special values (NaN, NRes, ±INF, reserved) exist only with exponent 0: 0xF7FF is 204.7, not NaN,
/// a mistake several open implementations make.
public struct SFloat: Sendable, Hashable, Codable {
    /// The 16 bits as sent (big-endian on the wire in MDER).
    public var raw: UInt16

    public init(raw: UInt16) {
        self.raw = raw
    }

    public var exponent: Int8 { Int8(truncatingIfNeeded: Int16(bitPattern: raw) >> 12) }

    /// The 12-bit mantissa, sign-extended.
    public var mantissa: Int16 { Int16(bitPattern: raw << 4) >> 4 }

    public var value: NumericValue {
        if exponent == 0 {
            switch raw {
            case 0x07FF: return .notANumber
            case 0x0800: return .notAtThisResolution
            case 0x07FE: return .positiveInfinity
            case 0x0802: return .negativeInfinity
            case 0x0801: return .reserved
            default: break
            }
        }
        return .number(mantissa: Int32(mantissa), exponent: exponent)
    }

    /// Reads one SFLOAT.
    public static func read(_ reader: inout MDERReader, _ field: String) throws(IEEE11073Error) -> SFloat {
        SFloat(raw: try reader.u16(field))
    }
}
