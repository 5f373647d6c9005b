import Foundation
import Testing
import VHRSystem
import VHRTestSupport

/// `HTTPClient` against real servers on loopback (Tests/Fixtures/http/server.py): no network.
@Suite struct HTTPClientTests {
    private let client = HTTPClient(userAgent: "vhr-test/1.0")

    /// What server.py's echo route saw.
    private struct Echo: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        var body: String

        /// The received header fields with this name (case-insensitive), in order.
        func values(_ name: String) -> [String] {
            headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
        }
    }

    private func send(
        _ request: HTTPRequest, with client: HTTPClient? = nil, cancellation: HTTPCancellation? = nil
    ) async throws -> Result<HTTPResponse, HTTPError> {
        let client = client ?? self.client
        return try await onDedicatedThread("http-client") {
            Result { () throws(HTTPError) in try client.send(request, cancellation: cancellation) }
        }
    }

    private func withServer<T>(
        _ mode: HTTPTestServer.Mode = .http, tls: (certificate: String, key: String)? = nil,
        _ body: (HTTPTestServer) async throws -> T
    ) async throws -> T {
        let server = try await HTTPTestServer.start(mode, tls: tls)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    // MARK: - Responses

    @Test func getReturnsStatusBodyAndLowercasedHeaders() async throws {
        try await withServer { server in
            let response = try await send(HTTPRequest(method: .get, url: server.url("/echo?x=1"))).get()
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.header("Content-Type") == "application/json")
            // Sent twice; the last value wins.
            #expect(response.headers["x-repeated"] == "second")
            #expect(response.headers.keys.allSatisfy { $0 == $0.lowercased() })
            let echo = try JSONDecoder().decode(Echo.self, from: response.body)
            #expect(echo.method == "GET")
            #expect(echo.path == "/echo?x=1")
            #expect(echo.values("user-agent") == ["vhr-test/1.0"])
            #expect(response.headers["content-length"] == String(response.body.count))
        }
    }

    @Test func serviceUnavailableComesBackWithItsRetryAfter() async throws {
        try await withServer { server in
            let response = try await send(HTTPRequest(method: .post, url: server.url("/status/503"))).get()
            #expect(response.status == 503)
            #expect(response.headers["retry-after"] == "120")
            #expect(response.body == Data("status 503".utf8))
        }
    }

    @Test(arguments: [400, 404, 412, 429, 500])
    func errorStatusesAreResponses(status: Int) async throws {
        try await withServer { server in
            let response = try await send(HTTPRequest(method: .get, url: server.url("/status/\(status)"))).get()
            #expect(response.status == status)
            #expect(response.body == Data("status \(status)".utf8))
        }
    }

    @Test func postSendsBodyAndHeadersExactly() async throws {
        try await withServer { server in
            var generator = SystemRandomNumberGenerator()
            let body = Data(
                (0...255).map { UInt8($0) } + (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let request = HTTPRequest(
                method: .post, url: server.url("/fhir/r4"),
                headers: [
                    "Content-Type": "application/fhir+json", "X-Custom": "a  b;c=\"d\"", "Authorization": "Bearer t0k",
                ],
                body: body)
            let response = try await send(request).get()
            #expect(response.status == 200)
            let echo = try JSONDecoder().decode(Echo.self, from: response.body)
            #expect(echo.method == "POST")
            #expect(echo.path == "/fhir/r4")
            #expect(Data(base64Encoded: echo.body) == body)
            #expect(echo.values("content-type") == ["application/fhir+json"])
            #expect(echo.values("x-custom") == ["a  b;c=\"d\""])
            #expect(echo.values("authorization") == ["Bearer t0k"])
            #expect(echo.values("content-length") == [String(body.count)])
            #expect(echo.values("expect").isEmpty)
        }
    }

    @Test func largeBodyIsSentWithoutExpectContinue() async throws {
        try await withServer { server in
            // libcurl would ask for 100-continue above 1 MiB; the client turns that off.
            let body = Data(repeating: UInt8(ascii: "z"), count: 2 << 20)
            let response = try await send(HTTPRequest(method: .post, url: server.url("/echo"), body: body)).get()
            let echo = try JSONDecoder().decode(Echo.self, from: response.body)
            #expect(echo.values("expect").isEmpty)
            #expect(Data(base64Encoded: echo.body) == body)
        }
    }

    @Test func putAndDeleteUseTheirMethods() async throws {
        try await withServer { server in
            let put = try await send(HTTPRequest(method: .put, url: server.url("/p"), body: Data("{}".utf8))).get()
            let putEcho = try JSONDecoder().decode(Echo.self, from: put.body)
            #expect(putEcho.method == "PUT")
            #expect(Data(base64Encoded: putEcho.body) == Data("{}".utf8))
            let delete = try await send(HTTPRequest(method: .delete, url: server.url("/d"))).get()
            let deleteEcho = try JSONDecoder().decode(Echo.self, from: delete.body)
            #expect(deleteEcho.method == "DELETE")
            #expect(deleteEcho.body.isEmpty)
        }
    }

    @Test func interimContinueDoesNotHideTheFinalResponse() async throws {
        try await withServer { server in
            let response = try await send(HTTPRequest(method: .get, url: server.url("/continue"))).get()
            #expect(response.status == 200)
            #expect(response.headers["x-final"] == "yes")
            #expect(response.headers["x-interim"] == nil)
            #expect(response.body == Data("final".utf8))
        }
    }

    @Test func redirectIsReturnedNotFollowed() async throws {
        try await withServer { server in
            let response = try await send(HTTPRequest(method: .post, url: server.url("/redirect"))).get()
            #expect(response.status == 302)
            #expect(response.headers["location"] == "/echo")
        }
    }

    // MARK: - Size cap

    @Test(arguments: ["big", "stream"])
    func bodyAtTheCapIsAccepted(route: String) async throws {
        try await withServer { server in
            let small = HTTPClient(userAgent: "vhr-test/1.0", maximumResponseSize: 65_536)
            let response = try await send(HTTPRequest(method: .get, url: server.url("/\(route)/65536")), with: small)
                .get()
            #expect(response.body.count == 65_536)
        }
    }

    /// `big` declares its length (refused before reading), `stream` does not (refused while reading).
    @Test(arguments: ["big", "stream"])
    func bodyOverTheCapIsAnError(route: String) async throws {
        try await withServer { server in
            let small = HTTPClient(userAgent: "vhr-test/1.0", maximumResponseSize: 65_536)
            let result = try await send(HTTPRequest(method: .get, url: server.url("/\(route)/65537")), with: small)
            guard case .failure(.other(let text)) = result else {
                Issue.record("expected an oversize error, got \(result)")
                return
            }
            #expect(text.contains("larger than 65536"))
        }
    }

    @Test func defaultCapRefusesFiveMebibytes() async throws {
        try await withServer { server in
            let result = try await send(HTTPRequest(method: .get, url: server.url("/stream/\(5 << 20)")))
            guard case .failure(.other(let text)) = result else {
                Issue.record("expected an oversize error, got \(result)")
                return
            }
            #expect(text.contains("larger than \(HTTPClient.defaultMaximumResponseSize)"))
        }
    }

    // MARK: - Transport failures

    @Test func closedPortIsConnectionRefused() async throws {
        try await withServer(.refuse) { server in
            let result = try await send(HTTPRequest(method: .get, url: server.url("/")))
            #expect(throws: HTTPError.connectionRefused) { try result.get() }
        }
    }

    @Test func serverClosingWithoutAnswerIsConnectionLost() async throws {
        try await withServer(.close) { server in
            let result = try await send(HTTPRequest(method: .post, url: server.url("/"), body: Data("{}".utf8)))
            #expect(throws: HTTPError.connectionLost) { try result.get() }
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withServer(.silent) { server in
            let result = try await send(HTTPRequest(method: .get, url: server.url("/"), timeout: .milliseconds(700)))
            #expect(throws: HTTPError.timedOut) { try result.get() }
        }
    }

    @Test func cancellationStopsAWaitingRequest() async throws {
        try await withServer(.silent) { server in
            let cancellation = HTTPCancellation()
            // A timeout far longer than the test: only the cancellation can end this request.
            let request = HTTPRequest(method: .get, url: server.url("/"), timeout: .seconds(120))
            async let result = send(request, cancellation: cancellation)
            try await Task.sleep(for: .milliseconds(300))
            cancellation.cancel()
            let outcome = try await result
            #expect(throws: HTTPError.cancelled) { try outcome.get() }
        }
    }

    @Test(arguments: ["ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1/"])
    func schemesOtherThanHTTPAreRefused(url: String) async throws {
        let result = try await send(HTTPRequest(method: .get, url: url))
        guard case .failure(.other(let text)) = result else {
            Issue.record("expected an unsupported-protocol error, got \(result)")
            return
        }
        #expect(text.lowercased().contains("protocol"))
    }

    @Test(arguments: [("X-Evil", "a\r\nInjected: yes"), ("X-Evil\n", "a"), ("", "a"), ("Bad Name", "a"), ("A:B", "c")])
    func malformedHeadersAreRefusedBeforeSending(name: String, value: String) async throws {
        let result = try await send(HTTPRequest(method: .get, url: "http://127.0.0.1:9/", headers: [name: value]))
        guard case .failure(.other(let text)) = result else {
            Issue.record("expected a malformed-header error, got \(result)")
            return
        }
        #expect(text.contains("malformed"))
    }

    // MARK: - TLS

    @Test func trustedCertificateThroughCAFile() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try await TestCertificates.make(in: directory.path)
        try await withServer(tls: certificates.loopback) { server in
            let trusting = HTTPClient(caFile: certificates.caFile, userAgent: "vhr-test/1.0")
            let response = try await send(
                HTTPRequest(method: .post, url: server.url("/fhir", scheme: "https"), body: Data("{}".utf8)),
                with: trusting
            ).get()
            #expect(response.status == 200)
            let echo = try JSONDecoder().decode(Echo.self, from: response.body)
            #expect(echo.path == "/fhir")
            #expect(Data(base64Encoded: echo.body) == Data("{}".utf8))
        }
    }

    @Test func systemStoreDoesNotTrustTheTestCA() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try await TestCertificates.make(in: directory.path)
        try await withServer(tls: certificates.loopback) { server in
            let result = try await send(HTTPRequest(method: .get, url: server.url("/", scheme: "https")))
            guard case .failure(.tls(let text)) = result else {
                Issue.record("expected a TLS error, got \(result)")
                return
            }
            #expect(text.contains("certificate"))
        }
    }

    @Test func certificateForAnotherNameIsRefused() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try await TestCertificates.make(in: directory.path)
        try await withServer(tls: certificates.otherName) { server in
            let trusting = HTTPClient(caFile: certificates.caFile, userAgent: "vhr-test/1.0")
            let result = try await send(
                HTTPRequest(method: .get, url: server.url("/", scheme: "https")), with: trusting)
            guard case .failure(.tls(let text)) = result else {
                Issue.record("expected a TLS error, got \(result)")
                return
            }
            #expect(text.contains("127.0.0.1"))
        }
    }

    @Test func expiredCertificateIsRefused() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try await TestCertificates.make(in: directory.path)
        try await withServer(tls: certificates.expired) { server in
            let trusting = HTTPClient(caFile: certificates.caFile, userAgent: "vhr-test/1.0")
            let result = try await send(
                HTTPRequest(method: .get, url: server.url("/", scheme: "https")), with: trusting)
            guard case .failure(.tls(let text)) = result else {
                Issue.record("expected a TLS error, got \(result)")
                return
            }
            #expect(text.contains("expired"))
        }
    }

    @Test func missingCAFileIsATLSError() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try await TestCertificates.make(in: directory.path)
        try await withServer(tls: certificates.loopback) { server in
            let trusting = HTTPClient(caFile: directory.file("absent.pem"), userAgent: "vhr-test/1.0")
            let result = try await send(
                HTTPRequest(method: .get, url: server.url("/", scheme: "https")), with: trusting)
            guard case .failure(.tls) = result else {
                Issue.record("expected a TLS error, got \(result)")
                return
            }
        }
    }
}
