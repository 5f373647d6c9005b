/// FLOAT-Type (IEEE 11073-20601): 32 bits, a signed 8-bit exponent over a signed 24-bit mantissa.
///
/// As with SFLOAT, the special values exist only with exponent 0.
public struct Float32Value: Sendable, Hashable, Codable {
    /// The 32 bits as sent (big-endian on the wire in MDER).
    public var raw: UInt32

    public init(raw: UInt32) {
        self.raw = raw
    }

    public var exponent: Int8 { Int8(truncatingIfNeeded: raw >> 24) }

    /// The 24-bit mantissa, sign-extended.
    public var mantissa: Int32 { Int32(bitPattern: raw << 8) >> 8 }

    public var value: NumericValue {
        if exponent == 0 {
            switch raw {
            case 0x007F_FFFF: return .notANumber
            case 0x0080_0000: return .notAtThisResolution
            case 0x007F_FFFE: return .positiveInfinity
            case 0x0080_0002: return .negativeInfinity
            case 0x0080_0001: return .reserved
            default: break
            }
        }
        return .number(mantissa: mantissa, exponent: exponent)
    }

    /// Reads one FLOAT.
    public static func read(_ reader: inout MDERReader, _ field: String) throws(IEEE11073Error) -> Float32Value {
        Float32Value(raw: try reader.u32(field))
    }
}
