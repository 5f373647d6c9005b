/// A line a client receives from the control socket: a reply to one of its requests, or an
/// event.
public enum ControlMessage: Sendable, Equatable {
    case reply(id: JSONValue, Result<JSONValue, RemoteError>)
    case event(ControlEvent)

    /// Reads one line from the daemon (without its newline).
    ///
    /// A line with `"event"` is an event; one with `"ok"` is a reply, whose `"result"` may be
    /// absent (read as `null`) and whose `"error"` must have string `code` and `message`.
    public static func decode(line: String) throws(ControlProtocolError) -> ControlMessage {
        let object = try parseObject(line)
        if let name = object["event"] {
            guard let name = name.stringValue else { throw .badMessage(#""event" is not a string"#) }
            var fields = object
            fields["event"] = nil
            return .event(ControlEvent(name: name, fields: fields))
        }
        guard let ok = object["ok"] else { throw .badMessage(#"it has neither "event" nor "ok""#) }
        guard let ok = ok.boolValue else { throw .badMessage(#""ok" is not true or false"#) }
        guard let id = object["id"] else { throw .badMessage(#"the reply has no "id""#) }
        if ok { return .reply(id: id, .success(object["result"] ?? .null)) }
        guard let errorValue = object["error"], let error = RemoteError(jsonValue: errorValue) else {
            throw .badMessage(#"the failure reply's "error" lacks a string "code" and "message""#)
        }
        return .reply(id: id, .failure(error))
    }

    /// The message as one line of JSON, without a newline.
    public func jsonLine() -> String {
        switch self {
        case .reply(let id, .success(let result)): ControlReply.success(id: id, result: result).jsonLine()
        case .reply(let id, .failure(let error)): ControlReply.failure(id: id, error: error).jsonLine()
        case .event(let event): event.jsonLine()
        }
    }

    /// Parses a line as a JSON object; shared by requests and messages.
    static func parseObject(_ line: String) throws(ControlProtocolError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line)
        } catch {
            throw .notJSON
        }
        guard let object = value.objectValue else { throw .notAnObject }
        return object
    }
}
