import CCurl
import Glibc
import Testing
import VHRCore

@testable import VHRSystem

/// The CURLcode → `HTTPError` → `TransportFailure` mapping, for the codes loopback cannot produce.
@Suite struct HTTPErrorTests {
    @Test func curlCodesMapPrecisely() {
        #expect(HTTPError(code: CURLE_COULDNT_RESOLVE_HOST, osErrno: 0, message: "m") == .nameResolution)
        #expect(HTTPError(code: CURLE_COULDNT_CONNECT, osErrno: ECONNREFUSED, message: "m") == .connectionRefused)
        #expect(HTTPError(code: CURLE_COULDNT_CONNECT, osErrno: ENETUNREACH, message: "m") == .networkUnreachable)
        #expect(HTTPError(code: CURLE_COULDNT_CONNECT, osErrno: EHOSTUNREACH, message: "m") == .networkUnreachable)
        #expect(HTTPError(code: CURLE_COULDNT_CONNECT, osErrno: ETIMEDOUT, message: "m") == .timedOut)
        for code in [CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE] {
            #expect(HTTPError(code: code, osErrno: ECONNRESET, message: "m") == .connectionLost)
        }
        #expect(HTTPError(code: CURLE_OPERATION_TIMEDOUT, osErrno: 0, message: "m") == .timedOut)
        for code in [
            CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER,
        ] {
            #expect(HTTPError(code: code, osErrno: 0, message: "bad cert") == .tls("bad cert"))
        }
        #expect(HTTPError(code: CURLE_UNSUPPORTED_PROTOCOL, osErrno: 0, message: "no ftp") == .other("no ftp"))
        #expect(HTTPError(code: CURLE_URL_MALFORMAT, osErrno: 0, message: "bad url") == .other("bad url"))
    }

    @Test func transportFailuresMatchTheUploadersView() {
        let pairs: [(HTTPError, UploadOutcome.TransportFailure)] = [
            (.nameResolution, .nameResolution), (.connectionRefused, .connectionRefused),
            (.connectionLost, .connectionLost), (.networkUnreachable, .networkUnreachable), (.timedOut, .timedOut),
            (.tls("x"), .tls("x")), (.other("y"), .other("y")), (.cancelled, .other("the request was cancelled")),
        ]
        for (error, failure) in pairs {
            #expect(error.transportFailure == failure)
        }
    }

    @Test func descriptionsSayWhatToCheck() {
        #expect(HTTPError.nameResolution.description.contains("DNS"))
        #expect(HTTPError.connectionRefused.description.contains("port"))
        #expect(HTTPError.networkUnreachable.description.contains("network connection"))
        #expect(HTTPError.timedOut.description.contains("timeout"))
        #expect(HTTPError.tls("certificate has expired").description.contains("certificate has expired"))
        #expect(HTTPError.other("boom").description.contains("boom"))
    }
}
