import Foundation

/// A number as IEEE 11073 carries it: a decimal mantissa and exponent, or one of the special values.
///
/// Special values are not numbers and never convert to one: `double` is nil for them, so a NaN or "not at
/// this resolution" pressure cannot slip into a visit as a value.
public enum NumericValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// mantissa × 10^exponent.
    case number(mantissa: Int32, exponent: Int8)
    /// Not a number: the device has no valid value.
    case notANumber
    /// NRes: the value cannot be represented at this resolution.
    case notAtThisResolution
    case positiveInfinity
    case negativeInfinity
    /// A reserved special pattern (reserved for future use by the standard).
    case reserved

    /// The value as a Double, or nil for special values.
    public var double: Double? {
        guard case .number(let mantissa, let exponent) = self else { return nil }
        // Dividing by a power of ten keeps one-decimal values (97.5) exact to the last bit.
        let scale = pow(10.0, Double(abs(Int(exponent))))
        return exponent < 0 ? Double(mantissa) / scale : Double(mantissa) * scale
    }

    /// Exact decimal text (`97.5`, `120`, `-0.00123`) or the special value's name.
    public var description: String {
        switch self {
        case .number(let mantissa, let exponent):
            var digits = String(mantissa.magnitude)
            let sign = mantissa < 0 ? "-" : ""
            if exponent >= 0 {
                if mantissa != 0 { digits += String(repeating: "0", count: Int(exponent)) }
                return sign + digits
            }
            let places = Int(-exponent)
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            let split = digits.index(digits.endIndex, offsetBy: -places)
            return sign + digits[..<split] + "." + digits[split...]
        case .notANumber: return "NaN"
        case .notAtThisResolution: return "NRes"
        case .positiveInfinity: return "+INF"
        case .negativeInfinity: return "-INF"
        case .reserved: return "reserved"
        }
    }
}
