/// One value in a profile's `parameters`: a JSON number, string or boolean.
public enum ProfileValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Bool first: some decoders read `true` as the number 1.
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            throw ProfileDecodingProblem(
                path: decoder.codingPath, problem: "a parameter must be a number, a string or true/false",
                fix: "write a number, a \"string\" or true/false; objects, arrays and null are not parameters")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }

    /// The number, if this is one.
    public var double: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The number, if this is a whole number that fits an `Int`.
    public var int: Int? {
        guard let value = double, value.rounded() == value, let int = Int(exactly: value) else { return nil }
        return int
    }

    /// The string, if this is one.
    public var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The boolean, if this is one.
    public var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    public var description: String {
        switch self {
        case .number(let value): int.map(String.init) ?? String(value)
        case .string(let value): "\"\(value)\""
        case .bool(let value): String(value)
        }
    }
}
