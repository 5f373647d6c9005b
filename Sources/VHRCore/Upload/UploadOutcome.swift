import Foundation

/// What one upload attempt means for the measurement it carried: delivered, retry later, or held
/// for an operator.
///
/// The rule (store-forward research §A.8 #10 and #12): only a confirmed transaction-response is
/// delivery; network failures, 408, 429 and 5xx are the network's or the server's trouble and are
/// retried forever; any other 4xx (412 included) is a verdict on this record, so it is held with
/// the reason instead of retried or dropped. Anything else (1xx, 3xx, a 2xx whose body does not
/// confirm every entry) is retried: every entry is a conditional create, so resending is harmless,
/// while calling it delivered could lose a measurement.
public enum UploadOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The server confirmed every entry; mark the measurement sent.
    case delivered
    /// Try again after the retry policy's delay.
    case retry(RetryCause)
    /// Move the measurement to the held state and raise an alarm; the rest of the queue goes on.
    case held(HoldReason)

    /// How an attempt failed before any HTTP status arrived.
    public enum TransportFailure: Sendable, Equatable {
        /// The server's name did not resolve.
        case nameResolution
        /// Nothing accepted the connection.
        case connectionRefused
        /// The connection was reset or closed before a whole response arrived ("empty reply"),
        /// possibly after the server committed; the resend is answered 200.
        case connectionLost
        /// No network route: the room is offline.
        case networkUnreachable
        /// The request or the response took longer than the uploader's timeout.
        case timedOut
        /// The TLS handshake or the certificate check failed. Retried, because the record is not
        /// at fault; the growing age of the oldest unsent measurement raises the alarm.
        case tls(String)
        /// Any other transport error, with the platform's text.
        case other(String)
    }

    /// Why an attempt is to be retried.
    public enum RetryCause: Sendable, Equatable {
        /// The request never got an HTTP answer.
        case transport(TransportFailure)
        /// The server answered with a transient status (408, 429, 5xx) or one that says nothing
        /// about the record (1xx, 3xx).
        case status(Int)
        /// A transaction-response entry carried a transient status.
        case entryStatus(entry: Int, status: Int)
        /// A 2xx whose body is not a transaction-response confirming every entry, so delivery is
        /// unproven; the text says what was wrong.
        case unconfirmed(String)
    }

    /// Why a measurement is held: the status, which bundle entry (when the server said), and the
    /// server's own diagnostics (from an OperationOutcome) when it gave any.
    public struct HoldReason: Sendable, Equatable, CustomStringConvertible {
        /// The HTTP status that held the record: the response's, or the entry's.
        public var status: Int
        /// The zero-based bundle entry the status belongs to; `nil` for the whole response.
        public var entry: Int?
        /// The server's explanation (OperationOutcome `diagnostics` or `details.text`), if any.
        public var diagnostics: String?

        public init(status: Int, entry: Int? = nil, diagnostics: String? = nil) {
            self.status = status
            self.entry = entry
            self.diagnostics = diagnostics
        }

        /// What happened and what the operator should do, for the alarm and `vhrctl queue`.
        public var description: String {
            let place = entry.map { "entry \($0) of the bundle" } ?? "the bundle"
            let advice =
                switch status {
                case 412:
                    "the server already holds more than one copy of this measurement's identifier;"
                        + " have the backend merge them, then re-queue"
                case 401, 403:
                    "the server refused the bearer token; renew the token file, then re-queue"
                case 404:
                    "the server found no match (an unknown patient or a wrong FHIR base URL);"
                        + " check the patient identifier and the upload URL, then re-queue"
                case 400, 422:
                    "the server rejected the resource as invalid; export it and report it, then re-queue"
                case 409:
                    "the server reported a conflict; check the record on the server, then re-queue"
                case 413:
                    "the server found the bundle too large; raise its limit, then re-queue"
                default:
                    "the server refused it permanently; export it and check the server's log, then re-queue"
                }
            let said = diagnostics.map { " (server said: \($0))" } ?? ""
            return "HTTP \(status) for \(place)\(said): \(advice)"
        }
    }

    public var description: String {
        switch self {
        case .delivered: "delivered"
        case .retry(.transport(let failure)): "retry: transport failure \(failure)"
        case .retry(.status(let status)): "retry: HTTP \(status)"
        case .retry(.entryStatus(let entry, let status)): "retry: HTTP \(status) for entry \(entry) of the bundle"
        case .retry(.unconfirmed(let why)): "retry: delivery unconfirmed, \(why)"
        case .held(let reason): "held: \(reason)"
        }
    }
}

// MARK: - Classification

extension UploadOutcome {
    /// Classifies an attempt that got no HTTP response.
    public init(transportFailure: TransportFailure) {
        self = .retry(.transport(transportFailure))
    }

    /// Classifies an HTTP response to a transaction bundle POST.
    ///
    /// - Parameters:
    ///   - status: The response's HTTP status.
    ///   - body: The response body; for a 2xx it must be a `transaction-response` Bundle.
    ///   - expectedEntries: How many entries the sent bundle had; the response must have as many.
    public init(status: Int, body: Data, expectedEntries: Int) {
        switch status {
        case 200...299:
            self = Self.classifyTransactionResponse(body, expectedEntries: expectedEntries)
        case 408, 429, 500...599:
            self = .retry(.status(status))
        case 400...499:
            self = .held(HoldReason(status: status, diagnostics: Self.diagnostics(in: body)))
        default:
            self = .retry(.status(status))
        }
    }

    private static func classifyTransactionResponse(_ body: Data, expectedEntries: Int) -> UploadOutcome {
        guard let bundle = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return .retry(.unconfirmed("the body is not JSON"))
        }
        guard bundle["resourceType"] == "Bundle", bundle["type"] == "transaction-response" else {
            return .retry(.unconfirmed("the body is not a transaction-response Bundle"))
        }
        let entries = bundle["entry"]?.arrayValue ?? []
        guard entries.count == expectedEntries else {
            return .retry(
                .unconfirmed("the response has \(entries.count) entries for the \(expectedEntries) sent"))
        }
        // All-or-nothing transactions should never mix, but if a server does, a permanent entry
        // failure outranks a transient one: retrying cannot fix it.
        var transient: UploadOutcome?
        for (index, entry) in entries.enumerated() {
            guard let text = entry["response"]?["status"]?.stringValue, let status = leadingStatus(text) else {
                return .retry(.unconfirmed("entry \(index) has no response status"))
            }
            switch status {
            case 200...299:
                continue
            case 400...499 where status != 408 && status != 429:
                let outcome = entry["response"]?["outcome"]
                return .held(
                    HoldReason(status: status, entry: index, diagnostics: outcome.flatMap(diagnostics(of:))))
            default:
                transient = transient ?? .retry(.entryStatus(entry: index, status: status))
            }
        }
        return transient ?? .delivered
    }

    /// The three-digit code that starts an entry's `response.status` ("201 Created").
    private static func leadingStatus(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard digits.count == 3, let status = Int(digits) else { return nil }
        return status
    }

    private static func diagnostics(in body: Data) -> String? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body) else { return nil }
        return diagnostics(of: value)
    }

    /// The first issue's text of an OperationOutcome, so the held reason carries the server's words.
    private static func diagnostics(of outcome: JSONValue) -> String? {
        guard outcome["resourceType"] == "OperationOutcome", let issues = outcome["issue"]?.arrayValue else {
            return nil
        }
        for issue in issues {
            if let text = issue["diagnostics"]?.stringValue ?? issue["details"]?["text"]?.stringValue, !text.isEmpty {
                return text
            }
        }
        return nil
    }
}
