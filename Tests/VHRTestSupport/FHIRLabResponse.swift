import Foundation
import VHRCore

/// What a client saw of one HTTP exchange with the lab, as `curl` reports it.
public struct FHIRLabResponse: Sendable {
    /// The HTTP status, or `nil` when no response arrived.
    public var status: Int?
    public var body: Data
    /// The response's header fields, names in lower case (the last value of a repeated field).
    public var headers: [String: String]
    /// curl's exit code: 0 for a response of any status, 52 for an empty reply (the connection
    /// closed without an answer), 56 for a reset, 28 for a timeout, 7 when nothing listens.
    public var curlExitCode: Int32
    /// curl's own message when it failed.
    public var message: String

    public init(status: Int?, body: Data, headers: [String: String] = [:], curlExitCode: Int32, message: String) {
        self.status = status
        self.body = body
        self.headers = headers
        self.curlExitCode = curlExitCode
        self.message = message
    }

    /// Parses curl's `--dump-header` output: the fields of the last response (after any `100 Continue`).
    static func headerFields(_ dump: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in dump.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("HTTP/") {
                fields = [:]
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return fields
    }

    /// The connection closed or reset with no response: the client cannot know whether the
    /// server committed.
    public var connectionLost: Bool { curlExitCode == 52 || curlExitCode == 56 }

    /// The client gave up waiting.
    public var timedOut: Bool { curlExitCode == 28 }

    /// The body as JSON, or `nil` when it is not JSON.
    public var json: JSONValue? { try? JSONValue(parsing: String(decoding: body, as: UTF8.self)) }

    /// A transaction response's `entry[].response.status` values, such as `"201 Created"`.
    public var entryStatuses: [String] {
        json?["entry"]?.arrayValue?.compactMap { $0["response"]?["status"]?.stringValue } ?? []
    }

    /// The entry statuses' numeric codes (`201`, `200`, …).
    public var entryStatusCodes: [Int] { entryStatuses.compactMap { Int($0.prefix { $0.isNumber }) } }
}
