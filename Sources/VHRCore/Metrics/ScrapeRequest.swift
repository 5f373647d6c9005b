/// The one HTTP request the metrics socket answers, read from a scraper's bytes: a request line
/// and headers, ending with an empty line. Only the method and path matter; the headers are
/// skipped (no body is ever expected).
///
/// It is deliberately tiny: the metrics socket is local, and anything that is not a plain
/// `GET /metrics` gets a short error response instead of a general HTTP server's behaviour.
public enum ScrapeRequest: Sendable, Equatable {
    /// More bytes are needed.
    case incomplete
    /// A complete request for `path`; `head` tells `HEAD` from `GET`.
    case complete(method: String, path: String)
    /// Not an HTTP request this socket serves: answer with `status` and close.
    case invalid(status: Int, reason: String)

    /// The longest request head accepted; scrapers send a few hundred bytes.
    public static let maximumHeadBytes = 8192

    /// Parses what has arrived so far (the whole buffer, from the connection's first byte).
    public static func parse(_ bytes: some Collection<UInt8>) -> ScrapeRequest {
        let buffer = Array(bytes)
        guard let end = headEnd(buffer) else {
            if buffer.count > maximumHeadBytes {
                return .invalid(status: 431, reason: "the request head is larger than \(maximumHeadBytes) bytes")
            }
            // A request line that is already wrong need not wait for the rest.
            if let lineEnd = buffer.firstIndex(of: UInt8(ascii: "\n")),
                case .invalid(let status, let reason) =
                    requestLine(buffer[..<lineEnd])
            {
                return .invalid(status: status, reason: reason)
            }
            return .incomplete
        }
        let lineEnd = buffer[..<end].firstIndex(of: UInt8(ascii: "\n")) ?? end
        return requestLine(buffer[..<lineEnd])
    }

    /// The index just past the empty line that ends the head (CRLF CRLF, or bare LF LF).
    private static func headEnd(_ buffer: [UInt8]) -> Int? {
        var index = 0
        while let newline = buffer[index...].firstIndex(of: UInt8(ascii: "\n")) {
            let next = newline + 1
            if next < buffer.count, buffer[next] == UInt8(ascii: "\n") { return next + 1 }
            if next + 1 < buffer.count, buffer[next] == UInt8(ascii: "\r"), buffer[next + 1] == UInt8(ascii: "\n") {
                return next + 2
            }
            index = next
        }
        return nil
    }

    private static func requestLine(_ line: ArraySlice<UInt8>) -> ScrapeRequest {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard let text = String(validating: line, as: UTF8.self) else {
            return .invalid(status: 400, reason: "the request line is not UTF-8")
        }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), !parts[1].isEmpty else {
            return .invalid(status: 400, reason: "not an HTTP/1.x request line")
        }
        let method = String(parts[0])
        guard method == "GET" || method == "HEAD" else {
            return .invalid(status: 405, reason: "only GET and HEAD are served")
        }
        // The query (Prometheus may add one) does not select anything here.
        let path = String(parts[1].prefix { $0 != "?" })
        return .complete(method: method, path: path)
    }
}
