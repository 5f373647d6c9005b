/// Why a line on the control socket is not a valid message.
///
/// Each message says what a correct line looks like, because the person reading it is often a
/// technician typing requests into `socat`. When the bad request still had a readable id,
/// ``id`` returns it so the reply can echo it.
public enum ControlProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line is not JSON at all.
    case notJSON
    /// The line is JSON but not an object (a number, string, array, …).
    case notAnObject
    /// The request object has no `"id"`.
    case missingID
    /// The request's `"id"` is neither an integer nor a string; the value seen.
    case badID(JSONValue)
    /// The request has no `"method"`, or it is not a non-empty string.
    case missingMethod(id: JSONValue)
    /// The request's `"params"` is present but not an object.
    case badParams(id: JSONValue)
    /// The line was longer than the limit and was discarded; its length and the limit in bytes.
    case lineTooLong(length: Int, limit: Int)
    /// The line was not valid UTF-8 and was discarded.
    case invalidUTF8
    /// A line from the daemon is an object but neither a reply nor an event; what is wrong.
    case badMessage(String)

    /// The id of the offending request, when it could be read.
    public var id: JSONValue? {
        switch self {
        case .missingMethod(let id), .badParams(let id): id
        default: nil
        }
    }

    /// A stable snake_case code for the reply's `error.code`.
    public var code: String {
        switch self {
        case .notJSON: "not_json"
        case .notAnObject: "not_an_object"
        case .missingID: "missing_id"
        case .badID: "bad_id"
        case .missingMethod: "missing_method"
        case .badParams: "bad_params"
        case .lineTooLong: "line_too_long"
        case .invalidUTF8: "invalid_utf8"
        case .badMessage: "bad_message"
        }
    }

    private static let example = #"{"id": 1, "method": "status", "params": {}}"#

    public var description: String {
        switch self {
        case .notJSON:
            "the line is not JSON; send one JSON object per line, such as \(Self.example)"
        case .notAnObject:
            "the line is JSON but not an object; send one object per line, such as \(Self.example)"
        case .missingID:
            #"the request has no "id"; add an integer or string id, such as "# + Self.example
        case .badID(let value):
            #"the request's "id" is \#(value.jsonLine()); use an integer or a string, such as "# + Self.example
        case .missingMethod:
            #"the request has no "method" string; name one, such as "# + Self.example
        case .badParams:
            #"the request's "params" is not an object; send an object or leave it out, such as "#
                + Self.example
        case .lineTooLong(let length, let limit):
            "the line is \(length) bytes, more than the \(limit)-byte limit; it was discarded"
        case .invalidUTF8:
            "the line is not valid UTF-8; send UTF-8 JSON text"
        case .badMessage(let problem):
            "the daemon sent a line that is neither a reply nor an event: \(problem)"
        }
    }

    /// The error to send back in a failure reply.
    public var remoteError: RemoteError {
        RemoteError(code: code, message: description)
    }
}
