import VHRCore

/// Why an HTTP request got no response. Each case says what to check; ``transportFailure`` is
/// the uploader's view of it.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's host name did not resolve.
    case nameResolution
    /// The server's host was reached but nothing accepted the connection on that port.
    case connectionRefused
    /// The connection was reset or closed before a whole response arrived.
    case connectionLost
    /// There is no route to the server: the network is down or the host unreachable.
    case networkUnreachable
    /// The exchange took longer than the request's timeout (or connecting longer than 10 s).
    case timedOut
    /// The TLS handshake or the certificate check failed; the text is libcurl's (OpenSSL's) reason.
    case tls(String)
    /// The caller cancelled the request while it was in flight.
    case cancelled
    /// Any other failure, with its text: an unsupported URL scheme, an oversized response, a
    /// malformed request.
    case other(String)

    /// The failure as the uploader classifies it.
    public var transportFailure: UploadOutcome.TransportFailure {
        switch self {
        case .nameResolution: .nameResolution
        case .connectionRefused: .connectionRefused
        case .connectionLost: .connectionLost
        case .networkUnreachable: .networkUnreachable
        case .timedOut: .timedOut
        case .tls(let text): .tls(text)
        case .cancelled: .other("the request was cancelled")
        case .other(let text): .other(text)
        }
    }

    public var description: String {
        switch self {
        case .nameResolution:
            "the server's host name did not resolve: check the URL's host name and the room's DNS settings"
        case .connectionRefused:
            "the server refused the connection: check the URL's port and that the server is running"
        case .connectionLost:
            "the connection closed before a whole response arrived: check the server's log and any proxy"
                + " or firewall in between; the request is safe to resend"
        case .networkUnreachable:
            "no route to the server: check the room's network connection"
        case .timedOut:
            "the server did not answer in time: check the network and the server's load, or raise the timeout"
        case .tls(let text):
            "TLS failed (\(text)): check the server's certificate, its name, its dates and the CA file"
        case .cancelled:
            "the request was cancelled"
        case .other(let text):
            "HTTP request failed: \(text)"
        }
    }
}
