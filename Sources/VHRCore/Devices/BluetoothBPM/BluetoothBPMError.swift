/// Why bytes are not a valid Bluetooth Blood Pressure Measurement (0x2A35) value.
public enum BluetoothBPMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The value ends before a field its flags announce; `needed` counts bytes up to that field's end.
    case truncated(field: String, needed: Int, actual: Int)
    /// Bytes follow the last field the flags announce.
    case trailingBytes(Int)
    /// A timestamp field is outside its range.
    case fieldOutOfRange(field: String, value: Int, range: ClosedRange<Int>)

    public var description: String {
        switch self {
        case .truncated(let field, let needed, let actual):
            "the value is \(actual) bytes but its flags announce the \(field), which needs \(needed);"
                + " the notification was cut short or the flags are wrong"
        case .trailingBytes(let count):
            "\(count) bytes follow the last field the flags announce; the flags are wrong or this is not 0x2A35"
        case .fieldOutOfRange(let field, let value, let range):
            "the timestamp's \(field) is \(value), outside \(range.lowerBound)...\(range.upperBound)"
        }
    }
}
