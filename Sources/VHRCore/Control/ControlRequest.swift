/// One request on the control socket: `{"id": 7, "method": "visit.start", "params": {…}}`.
///
/// The id is chosen by the client, an integer or a string, and is echoed in the reply.
/// `params` is optional on the wire; absent (or `null`) reads as empty. Other top-level
/// members are ignored.
public struct ControlRequest: Sendable, Equatable {
    public var id: JSONValue
    public var method: String
    public var params: [String: JSONValue]

    /// - Precondition: `id` is an `.int` or a `.string`.
    public init(id: JSONValue, method: String, params: [String: JSONValue] = [:]) {
        precondition(Self.isValidID(id), "a control request id is an integer or a string")
        self.id = id
        self.method = method
        self.params = params
    }

    /// Reads one request line (without its newline).
    /// - Throws: ``ControlProtocolError`` saying what is wrong and what a request looks like.
    public static func decode(line: String) throws(ControlProtocolError) -> ControlRequest {
        let object = try ControlMessage.parseObject(line)
        guard let id = object["id"] else { throw .missingID }
        guard isValidID(id) else { throw .badID(id) }
        guard let method = object["method"]?.stringValue, !method.isEmpty else { throw .missingMethod(id: id) }
        let params: [String: JSONValue]
        switch object["params"] {
        case nil, .null?: params = [:]
        case .object(let members)?: params = members
        default: throw .badParams(id: id)
        }
        return ControlRequest(id: id, method: method, params: params)
    }

    /// Reads a framed line, turning the framer's oversize and invalid UTF-8 results into
    /// errors too, so a server has one path for every bad line.
    public static func decode(_ framed: LineFramer.Result, limit: Int) throws(ControlProtocolError) -> ControlRequest {
        switch framed {
        case .line(let line): try decode(line: line)
        case .oversize(let length): throw .lineTooLong(length: length, limit: limit)
        case .invalidUTF8: throw .invalidUTF8
        }
    }

    /// The request as one line of JSON, without a newline. Empty params are left out.
    public func jsonLine() -> String {
        var members: [String: JSONValue] = ["id": id, "method": .string(method)]
        if !params.isEmpty { members["params"] = .object(params) }
        return JSONValue.object(members).jsonLine()
    }

    /// Decodes `params` as a `Decodable` type, such as a method's parameter struct.
    public func decodeParams<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONValue.object(params).decode(type)
    }

    private static func isValidID(_ id: JSONValue) -> Bool {
        switch id {
        case .int, .string: true
        default: false
        }
    }
}
