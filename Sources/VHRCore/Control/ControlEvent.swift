/// An unsolicited message from the daemon: `{"event":"bp.pressure","mmHg":142,…}`.
///
/// Events carry no id. The name goes in the `"event"` member and the fields sit beside it,
/// so a field named `event` is not allowed.
public struct ControlEvent: Sendable, Equatable {
    public var name: String
    public var fields: [String: JSONValue]

    /// - Precondition: `fields` has no `"event"` member.
    public init(name: String, fields: [String: JSONValue] = [:]) {
        precondition(fields["event"] == nil, #"an event's fields cannot include "event"; it holds the name"#)
        self.name = name
        self.fields = fields
    }

    /// The field named `key`.
    public subscript(key: String) -> JSONValue? { fields[key] }

    /// The event as one line of JSON, without a newline.
    public func jsonLine() -> String {
        var members = fields
        members["event"] = .string(name)
        return JSONValue.object(members).jsonLine()
    }
}
