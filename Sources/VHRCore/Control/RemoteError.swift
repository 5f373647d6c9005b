/// An error as the control socket reports it to a client, and as a client sees it.
///
/// `code` is a stable snake_case word a program can switch on (`no_visit`, `bad_request`,
/// `not_found`); `message` says what happened and `hint`, when there is one, what to do.
public struct RemoteError: Error, Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var hint: String?

    public init(code: String, message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// A device error as a client sees it; the code is the device error's code.
    public init(_ error: DeviceError) {
        self.init(code: error.code.rawValue, message: error.message, hint: error.hint)
    }

    public var description: String {
        hint.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }

    /// The error as a JSON object; `hint` is left out when there is none.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let hint { members["hint"] = .string(hint) }
        return .object(members)
    }

    /// Reads an error object: `code` and `message` must be strings, `hint` a string or absent.
    public init?(jsonValue: JSONValue) {
        guard let code = jsonValue["code"]?.stringValue, let message = jsonValue["message"]?.stringValue else {
            return nil
        }
        let hint = jsonValue["hint"]
        guard hint == nil || hint == .null || hint?.stringValue != nil else { return nil }
        self.init(code: code, message: message, hint: hint?.stringValue)
    }
}
