/// The daemon's answer to one request, echoing its id.
///
/// On the wire: `{"id":7,"ok":true,"result":{…}}` or
/// `{"id":7,"ok":false,"error":{"code":"no_visit","message":"…","hint":"…"}}`. The id is
/// `null` when the request was too broken to read one.
public enum ControlReply: Sendable, Equatable {
    case success(id: JSONValue, result: JSONValue)
    case failure(id: JSONValue, error: RemoteError)

    /// The failure reply for a line that could not be read as a request.
    public init(rejecting error: ControlProtocolError) {
        self = .failure(id: error.id ?? .null, error: error.remoteError)
    }

    public var id: JSONValue {
        switch self {
        case .success(let id, _), .failure(let id, _): id
        }
    }

    /// The outcome as a `Result`, the form a client works with.
    public var result: Result<JSONValue, RemoteError> {
        switch self {
        case .success(_, let result): .success(result)
        case .failure(_, let error): .failure(error)
        }
    }

    /// The reply as one line of JSON, without a newline.
    public func jsonLine() -> String {
        switch self {
        case .success(let id, let result):
            JSONValue.object(["id": id, "ok": true, "result": result]).jsonLine()
        case .failure(let id, let error):
            JSONValue.object(["id": id, "ok": false, "error": error.jsonValue]).jsonLine()
        }
    }
}
