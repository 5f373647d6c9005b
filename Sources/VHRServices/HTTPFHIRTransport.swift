import Foundation
import VHRCore
import VHRSystem

/// The uploader's real `FHIRTransport`: an HTTPS POST of the transaction Bundle to the FHIR base
/// with libcurl (``HTTPClient``), certificates always verified.
///
/// Each call runs its blocking request on a `DedicatedThread` of its own, never on a thread of the
/// cooperative pool, so concurrent calls (one per identifier in flight) do not starve other tasks.
/// Cancelling the calling task stops the request within about a second.
public struct HTTPFHIRTransport: FHIRTransport {
    /// The FHIR media type, for both the body sent and the answer wanted.
    public static let mediaType = "application/fhir+json"

    private let client: HTTPClient
    private let timeout: Duration

    /// A transport.
    ///
    /// - Parameters:
    ///   - caFile: A PEM file of CAs to trust instead of the system's store (`[upload] ca_file`), or `nil`.
    ///   - timeout: The longest one POST may take, connecting included.
    ///   - userAgent: The `User-Agent` header, e.g. "vhrd/1.0".
    public init(caFile: String?, timeout: Duration, userAgent: String) {
        client = HTTPClient(caFile: caFile, userAgent: userAgent)
        self.timeout = timeout
    }

    public func postTransaction(_ body: Data, to base: String, token: String?) async -> FHIRTransportResult {
        var headers = ["Content-Type": Self.mediaType, "Accept": Self.mediaType]
        if let token {
            headers["Authorization"] = "Bearer \(token)"
        }
        // A transaction is POSTed to the base itself, exactly as configured.
        let request = HTTPRequest(method: .post, url: base, headers: headers, body: body, timeout: timeout)
        let client = client
        let cancellation = HTTPCancellation()
        let result: Result<HTTPResponse, HTTPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                do {
                    _ = try DedicatedThread(name: "vhr-upload") {
                        continuation.resume(
                            returning: Result { () throws(HTTPError) in
                                try client.send(request, cancellation: cancellation)
                            })
                    }
                } catch {
                    continuation.resume(returning: .failure(.other("cannot start the upload thread: \(error)")))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        switch result {
        case .success(let response):
            return .response(status: response.status, headers: response.headers, body: response.body)
        case .failure(let error):
            return .failed(error.transportFailure)
        }
    }
}
