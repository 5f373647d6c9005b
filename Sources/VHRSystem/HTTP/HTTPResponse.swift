import Foundation

/// The final HTTP response to a request: an interim `1xx` never shows here, and a redirect is
/// returned as it is, never followed.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code of the final response.
    public var status: Int
    /// The final response's header fields, names lowercased, values without surrounding blanks;
    /// a field that came more than once keeps its last value.
    public var headers: [String: String]
    /// The body, at most the client's `maximumResponseSize` bytes.
    public var body: Data

    /// A response; see the properties.
    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the header field `name`, matched without regard to case.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
