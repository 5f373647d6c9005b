import Foundation
import VHRCore

/// The uploader's only way to the FHIR server: POST one transaction Bundle to the FHIR base and
/// return what came back. The libcurl client implements it (`HTTPFHIRTransport`); tests script it.
///
/// It never throws: a request that got no HTTP answer is a `TransportFailure`, which the
/// uploader retries like a 5xx. It must be safe to call from several tasks at once.
public protocol FHIRTransport: Sendable {
    /// Sends `body` (a FHIR JSON transaction Bundle) to `base` with `POST`.
    ///
    /// - Parameters:
    ///   - body: The Bundle, as `FHIRTransactionBundle.body`.
    ///   - base: The FHIR base URL, as configured (`[upload] url` or `--upload-url`).
    ///   - token: The bearer token, sent as `Authorization: Bearer …` when not `nil`.
    func postTransaction(_ body: Data, to base: String, token: String?) async -> FHIRTransportResult
}

/// What came back from one POST: an HTTP response, or why there was none.
public enum FHIRTransportResult: Sendable, Equatable {
    /// `headers` has lowercased names; a repeated header keeps its last value.
    case response(status: Int, headers: [String: String], body: Data)
    case failed(UploadOutcome.TransportFailure)
}
