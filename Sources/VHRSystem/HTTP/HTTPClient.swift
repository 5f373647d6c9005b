import CCurl
import Foundation

/// A blocking HTTP/HTTPS client over libcurl's easy interface: one request, one response.
///
/// Safe by construction rather than by option: certificates are always verified (peer and host
/// name), only `http` and `https` URLs are accepted, redirects come back as responses instead of
/// being followed, and the response body is capped so a wrong or hostile server cannot exhaust
/// memory. `caFile` replaces the system's trust store with one PEM file.
///
/// `send` blocks the calling thread for up to the request's timeout: call it from a
/// `DedicatedThread`, never from a Swift concurrency task. Each call uses its own libcurl handle,
/// so calls from several threads at once are safe. libcurl honours the `https_proxy` and
/// `no_proxy` environment variables.
public struct HTTPClient: Sendable {
    /// The default cap on a response body: 4 MiB, far above any FHIR transaction-response vhr gets.
    public static let defaultMaximumResponseSize = 4 << 20
    /// The longest the TCP and TLS connect phase may take, whatever the request's timeout.
    public static let connectTimeoutLimit: Duration = .seconds(10)

    /// The PEM file of the certificate authorities to trust instead of the system's; `nil` for the
    /// system's store.
    public let caFile: String?
    /// The `User-Agent` header sent with every request.
    public let userAgent: String
    /// The largest response body accepted; a larger one fails the request.
    public let maximumResponseSize: Int

    /// A client.
    ///
    /// - Parameters:
    ///   - caFile: A PEM file of trusted CAs replacing the system's store, or `nil`.
    ///   - userAgent: The `User-Agent` header, e.g. "vhrd/1.0".
    ///   - maximumResponseSize: The largest response body accepted, in bytes; must be positive.
    public init(caFile: String? = nil, userAgent: String, maximumResponseSize: Int = defaultMaximumResponseSize) {
        precondition(maximumResponseSize > 0, "maximumResponseSize must be positive")
        self.caFile = caFile
        self.userAgent = userAgent
        self.maximumResponseSize = maximumResponseSize
    }

    /// Sends `request` and waits for the final response.
    ///
    /// Any HTTP status is a response, 3xx, 4xx and 5xx included; only a request that got no
    /// whole response throws.
    ///
    /// - Parameters:
    ///   - request: What to send.
    ///   - cancellation: A flag that ends the wait early with ``HTTPError/cancelled``.
    /// - Throws: ``HTTPError`` saying why no response came.
    ///
    /// The corresponding C function is `curl_easy_perform`.
    public func send(_ request: HTTPRequest, cancellation: HTTPCancellation? = nil) throws(HTTPError) -> HTTPResponse {
        try Self.checkGlobalInit()
        guard let handle = curl_easy_init() else {
            throw .other("libcurl could not create a handle (out of memory?)")
        }
        defer { curl_easy_cleanup(handle) }

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            guard Self.isValidHeader(name: name, value: value) else {
                throw .other(
                    "the header field \(name.debugDescription) is malformed: a name needs no blanks or colon,"
                        + " and neither name nor value may hold CR, LF or NUL")
            }
            headerList = try Self.append("\(name): \(value)", to: headerList)
        }
        // An empty Expect stops libcurl's 100-continue handshake for large bodies: one round trip
        // fewer, and no interim response to get wrong.
        headerList = try Self.append("Expect:", to: headerList)

        let transfer = Transfer(limit: maximumResponseSize, cancellation: cancellation)
        let context = UnsafeRawPointer(Unmanaged.passUnretained(transfer).toOpaque())
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        errorBuffer.initialize(to: 0)

        let timeout = max(request.timeout.milliseconds, 1)
        let connectTimeout = min(timeout, Self.connectTimeoutLimit.milliseconds)
        let code: CURLcode = withExtendedLifetime(transfer) {
            request.body.withUnsafeBytes { body -> CURLcode in
                var setup = Setup(handle: handle)
                setup.string(CURLOPT_URL, request.url)
                setup.string(CURLOPT_PROTOCOLS_STR, "http,https")
                setup.long(CURLOPT_FOLLOWLOCATION, 0)
                setup.long(CURLOPT_NOSIGNAL, 1)
                setup.long(CURLOPT_SSL_VERIFYPEER, 1)
                setup.long(CURLOPT_SSL_VERIFYHOST, 2)
                if let caFile {
                    setup.string(CURLOPT_CAINFO, caFile)
                    // Debian's libcurl also searches /etc/ssl/certs: clear it so the file replaces
                    // the store rather than adding to it.
                    setup.pointer(CURLOPT_CAPATH, nil)
                }
                setup.long(CURLOPT_TIMEOUT_MS, timeout)
                setup.long(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout)
                setup.off(CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maximumResponseSize))
                setup.string(CURLOPT_USERAGENT, userAgent)
                setup.pointer(CURLOPT_HTTPHEADER, headerList.map { UnsafeRawPointer($0) })
                setup.pointer(CURLOPT_ERRORBUFFER, UnsafeRawPointer(errorBuffer))
                switch request.method {
                case .get:
                    setup.long(CURLOPT_HTTPGET, 1)
                case .post, .put, .delete:
                    if request.method != .post {
                        setup.string(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
                    }
                    if request.method == .post || !request.body.isEmpty {
                        // Not copied by libcurl: `body` outlives curl_easy_perform below.
                        setup.off(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                        setup.pointer(CURLOPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(errorBuffer))
                    }
                }
                setup.dataCallback(CURLOPT_WRITEFUNCTION, writeCallback)
                setup.pointer(CURLOPT_WRITEDATA, context)
                setup.dataCallback(CURLOPT_HEADERFUNCTION, headerCallback)
                setup.pointer(CURLOPT_HEADERDATA, context)
                if cancellation != nil {
                    setup.xferinfoCallback(progressCallback)
                    setup.pointer(CURLOPT_XFERINFODATA, context)
                    setup.long(CURLOPT_NOPROGRESS, 0)
                }
                if let failure = setup.failure {
                    return failure
                }
                return curl_easy_perform(handle)
            }
        }

        guard code == CURLE_OK else {
            if transfer.overflowed || code == CURLE_FILESIZE_EXCEEDED {
                throw .other("response larger than \(maximumResponseSize) bytes, the most accepted")
            }
            if code == CURLE_ABORTED_BY_CALLBACK, cancellation?.isCancelled == true {
                throw .cancelled
            }
            var osErrno = 0
            _ = vhr_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            let buffered = String(cString: errorBuffer)
            let message = buffered.isEmpty ? String(cString: curl_easy_strerror(code)) : buffered
            throw HTTPError(code: code, osErrno: Int32(truncatingIfNeeded: osErrno), message: message)
        }
        var status = 0
        _ = vhr_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(
            status: status != 0 ? status : transfer.status, headers: transfer.headers, body: transfer.body)
    }

    // MARK: - Set-up

    /// `curl_global_init` is not thread-safe on every build; a global is initialised exactly once,
    /// under the runtime's lock, before the first handle.
    private static func checkGlobalInit() throws(HTTPError) {
        guard curlGlobalInit == CURLE_OK else {
            throw .other("libcurl failed to initialise: \(String(cString: curl_easy_strerror(curlGlobalInit)))")
        }
    }

    /// A name must be non-empty without blanks or a colon, and neither part may hold CR, LF or NUL,
    /// which would let a value smuggle in a header line of its own.
    private static func isValidHeader(name: String, value: String) -> Bool {
        let lineBreaks: Set<UInt8> = [0x00, 0x0A, 0x0D]
        let nameBreaks = lineBreaks.union([0x09, 0x20, UInt8(ascii: ":")])
        return !name.isEmpty && !name.utf8.contains(where: nameBreaks.contains)
            && !value.utf8.contains(where: lineBreaks.contains)
    }

    private static func append(
        _ line: String, to list: UnsafeMutablePointer<curl_slist>?
    ) throws(HTTPError) -> UnsafeMutablePointer<curl_slist> {
        guard let appended = curl_slist_append(list, line) else {
            throw .other("libcurl could not build the header list (out of memory?)")
        }
        return appended
    }
}

private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// Sets options one after another and remembers the first failure, so the set-up reads as a list.
private struct Setup {
    let handle: UnsafeMutableRawPointer
    var failure: CURLcode?

    init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    private mutating func check(_ code: CURLcode) {
        if code != CURLE_OK, failure == nil {
            failure = code
        }
    }

    mutating func long(_ option: CURLoption, _ value: Int) {
        check(vhr_curl_setopt_long(handle, option, value))
    }

    mutating func off(_ option: CURLoption, _ value: curl_off_t) {
        check(vhr_curl_setopt_off(handle, option, value))
    }

    /// libcurl copies string options, so the C string need only live for the call.
    mutating func string(_ option: CURLoption, _ value: String) {
        check(value.withCString { vhr_curl_setopt_pointer(handle, option, $0) })
    }

    mutating func pointer(_ option: CURLoption, _ value: UnsafeRawPointer?) {
        check(vhr_curl_setopt_pointer(handle, option, value))
    }

    mutating func dataCallback(_ option: CURLoption, _ callback: vhr_curl_data_callback) {
        check(vhr_curl_setopt_data_callback(handle, option, callback))
    }

    mutating func xferinfoCallback(_ callback: vhr_curl_xferinfo_callback) {
        check(vhr_curl_setopt_xferinfo_callback(handle, callback))
    }
}

// MARK: - One transfer's state

/// What libcurl's callbacks collect during one `curl_easy_perform`. Only the thread running it
/// touches it.
private final class Transfer {
    let limit: Int
    let cancellation: HTTPCancellation?
    var body = Data()
    var overflowed = false
    /// The status and headers of the latest response block; an interim 1xx block is replaced by
    /// the final one.
    var status = 0
    var headers: [String: String] = [:]
    var lastHeaderName: String?

    init(limit: Int, cancellation: HTTPCancellation?) {
        self.limit = limit
        self.cancellation = cancellation
    }

    /// Takes one header line as libcurl delivers it (with its CRLF).
    func takeHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r" || last == "\n" || last == "\r\n" {
            line = line.dropLast()
        }
        if line.hasPrefix("HTTP/") {
            let fields = line.split(separator: " ", maxSplits: 2)
            status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            headers = [:]
            lastHeaderName = nil
        } else if let first = line.first, first == " " || first == "\t" {
            // An obsolete folded continuation of the previous field.
            if let name = lastHeaderName, let value = headers[name] {
                headers[name] = value + " " + line.trimmingCharacters(in: .whitespaces)
            }
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lastHeaderName = name
        }
    }
}

private func writeCallback(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?)
    -> Int
{
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard transfer.body.count + length <= transfer.limit else {
        transfer.overflowed = true
        return 0  // Any count other than `length` makes libcurl stop with CURLE_WRITE_ERROR.
    }
    if let data, length > 0 {
        transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    }
    return length
}

private func headerCallback(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?
) -> Int {
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    if let data {
        transfer.takeHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    }
    return length
}

private func progressCallback(
    context: UnsafeMutableRawPointer?, downloadTotal: curl_off_t, downloadNow: curl_off_t, uploadTotal: curl_off_t,
    uploadNow: curl_off_t
) -> Int32 {
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.cancellation?.isCancelled == true ? 1 : 0
}

// MARK: - Error mapping

extension HTTPError {
    /// Maps a failed `curl_easy_perform` to the error the caller acts on.
    ///
    /// - Parameters:
    ///   - code: libcurl's result.
    ///   - osErrno: `CURLINFO_OS_ERRNO`, which tells a refused connection from an unreachable network.
    ///   - message: libcurl's error buffer, or `curl_easy_strerror` when it is empty.
    init(code: CURLcode, osErrno: Int32, message: String) {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST:
            self = .nameResolution
        case CURLE_COULDNT_CONNECT:
            switch osErrno {
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN: self = .networkUnreachable
            case ETIMEDOUT: self = .timedOut
            // A local firewall (the unit's IPAddressDeny=, a cgroup filter) refuses before any
            // packet leaves: "connection refused" would send the technician to the server.
            case EPERM, EACCES:
                self = .other(
                    "the connection was blocked on this machine (\(message)); check the firewall and the unit's"
                        + " IPAddressDeny=")
            default: self = .connectionRefused
            }
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            self = .connectionLost
        case CURLE_OPERATION_TIMEDOUT:
            self = .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_USE_SSL_FAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            self = .tls(message)
        default:
            self = .other(message)
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a short positive timeout never becomes "no timeout" (0).
    fileprivate var milliseconds: Int {
        let (seconds, attoseconds) = components
        // Clamped before multiplying: a huge timeout must not trap.
        let millis =
            min(max(seconds, 0), Int64.max / 1000 - 1) * 1000
            + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: millis)
    }
}
