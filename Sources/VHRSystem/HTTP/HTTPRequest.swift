import Foundation

/// One HTTP request for ``HTTPClient/send(_:cancellation:)``: what to send, where, and how long the
/// whole exchange may take.
public struct HTTPRequest: Sendable, Equatable {
    /// The request method. Only the ones vhr sends.
    public enum Method: String, Sendable, Equatable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
    }

    /// The method; `body` is sent with any of them when it is not empty, and always with `post`.
    public var method: Method
    /// The absolute `http://` or `https://` URL, sent exactly as given (no slash added).
    public var url: String
    /// Header fields to send, by name. Names and values must not contain CR or LF. The client adds
    /// `Host`, `Content-Length` and `User-Agent` itself, and never sends `Expect: 100-continue`.
    public var headers: [String: String]
    /// The request body.
    public var body: Data
    /// The longest the whole exchange may take, connecting included (connecting alone gets at most
    /// 10 s of it).
    public var timeout: Duration

    /// A request; see the properties.
    public init(
        method: Method, url: String, headers: [String: String] = [:], body: Data = Data(),
        timeout: Duration = .seconds(30)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
