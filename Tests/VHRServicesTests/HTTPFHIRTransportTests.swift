import Foundation
import Testing
import VHRCore
import VHRServices
import VHRSystem

/// `HTTPFHIRTransport` against Tests/Fixtures/http/server.py on loopback: what the server
/// receives, and how every kind of failure comes back.
@Suite struct HTTPFHIRTransportTests {
    private let transport = HTTPFHIRTransport(caFile: nil, timeout: .seconds(30), userAgent: "vhrd-test/1.0")

    /// What server.py's echo route saw.
    private struct Echo: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        var body: String

        func values(_ name: String) -> [String] {
            headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
        }
    }

    private static let bundle: Data = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fhir/bp-transaction-bundle.json").path
        return FileManager.default.contents(atPath: path) ?? Data()
    }()

    private func echo(of result: FHIRTransportResult) throws -> Echo {
        guard case .response(let status, _, let body) = result, status == 200 else {
            throw LoopbackServerError("expected a 200 echo, got \(result)")
        }
        return try JSONDecoder().decode(Echo.self, from: body)
    }

    @Test func postsTheBundleToTheBaseWithFHIRHeadersAndBearer() async throws {
        #expect(!Self.bundle.isEmpty)
        try await LoopbackServer.with { server in
            let base = server.url("/fhir/r4")
            let echo = try echo(of: await transport.postTransaction(Self.bundle, to: base, token: "s3cret.token"))
            #expect(echo.method == "POST")
            #expect(echo.path == "/fhir/r4")
            #expect(echo.values("content-type") == ["application/fhir+json"])
            #expect(echo.values("accept") == ["application/fhir+json"])
            #expect(echo.values("authorization") == ["Bearer s3cret.token"])
            #expect(echo.values("user-agent") == ["vhrd-test/1.0"])
            #expect(Data(base64Encoded: echo.body) == Self.bundle)
        }
    }

    @Test func noTokenSendsNoAuthorization() async throws {
        try await LoopbackServer.with { server in
            let echo = try echo(of: await transport.postTransaction(Data("{}".utf8), to: server.url("/"), token: nil))
            #expect(echo.path == "/")
            #expect(echo.values("authorization").isEmpty)
        }
    }

    @Test func baseWithTrailingSlashIsKeptExactly() async throws {
        try await LoopbackServer.with { server in
            let echo = try echo(
                of: await transport.postTransaction(Data("{}".utf8), to: server.url("/fhir/"), token: nil))
            #expect(echo.path == "/fhir/")
        }
    }

    @Test func serviceUnavailableComesBackAsAResponseWithRetryAfter() async throws {
        try await LoopbackServer.with { server in
            let result = await transport.postTransaction(Self.bundle, to: server.url("/status/503"), token: "t")
            guard case .response(let status, let headers, let body) = result else {
                Issue.record("expected a response, got \(result)")
                return
            }
            #expect(status == 503)
            #expect(headers["retry-after"] == "120")
            #expect(RetryPolicy.parseRetryAfter(headers["retry-after"] ?? "", now: Date()) == .success(.seconds(120)))
            #expect(UploadOutcome(status: status, body: body, expectedEntries: 3) == .retry(.status(503)))
        }
    }

    @Test func preconditionFailedComesBackAsAResponse() async throws {
        try await LoopbackServer.with { server in
            let result = await transport.postTransaction(Self.bundle, to: server.url("/status/412"), token: "t")
            guard case .response(let status, _, let body) = result else {
                Issue.record("expected a response, got \(result)")
                return
            }
            #expect(UploadOutcome(status: status, body: body, expectedEntries: 3) == .held(.init(status: 412)))
        }
    }

    @Test func closedPortIsConnectionRefused() async throws {
        try await LoopbackServer.with(.refuse) { server in
            let result = await transport.postTransaction(Self.bundle, to: server.url("/fhir"), token: "t")
            #expect(result == .failed(.connectionRefused))
        }
    }

    @Test func serverClosingWithoutAnswerIsConnectionLost() async throws {
        try await LoopbackServer.with(.close) { server in
            let result = await transport.postTransaction(Self.bundle, to: server.url("/fhir"), token: "t")
            #expect(result == .failed(.connectionLost))
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await LoopbackServer.with(.silent) { server in
            let impatient = HTTPFHIRTransport(caFile: nil, timeout: .milliseconds(700), userAgent: "vhrd-test/1.0")
            let result = await impatient.postTransaction(Self.bundle, to: server.url("/fhir"), token: "t")
            #expect(result == .failed(.timedOut))
        }
    }

    @Test func cancellingTheTaskStopsTheRequest() async throws {
        try await LoopbackServer.with(.silent) { server in
            // Only the cancellation can end this request before the test's own time limit.
            let patient = HTTPFHIRTransport(caFile: nil, timeout: .seconds(120), userAgent: "vhrd-test/1.0")
            let url = server.url("/fhir")
            let task = Task { await patient.postTransaction(Self.bundle, to: url, token: "t") }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            #expect(await task.value == .failed(.other("the request was cancelled")))
        }
    }

    @Test func tlsIsVerifiedAgainstTheCAFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-fhir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("server.pem").path
        let key = directory.appendingPathComponent("server.key").path
        try await LoopbackServer.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        try await LoopbackServer.with(tls: [certificate, key]) { server in
            let base = server.url("/fhir", scheme: "https")
            let trusting = HTTPFHIRTransport(caFile: certificate, timeout: .seconds(30), userAgent: "vhrd-test/1.0")
            let echo = try echo(of: await trusting.postTransaction(Self.bundle, to: base, token: "t"))
            #expect(echo.path == "/fhir")
            #expect(Data(base64Encoded: echo.body) == Self.bundle)

            let result = await transport.postTransaction(Self.bundle, to: base, token: "t")
            guard case .failed(.tls(let text)) = result else {
                Issue.record("expected a TLS failure with the system store, got \(result)")
                return
            }
            #expect(text.contains("certificate"))
        }
    }

    @Test func concurrentPostsEachArriveIntact() async throws {
        try await LoopbackServer.with { server in
            let base = server.url("/fhir")
            let transport = transport
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let body = Data("{\"resourceType\":\"Bundle\",\"id\":\"\(index)\"}".utf8)
                        let echo = try echo(of: await transport.postTransaction(body, to: base, token: "t\(index)"))
                        #expect(Data(base64Encoded: echo.body) == body)
                        #expect(echo.values("authorization") == ["Bearer t\(index)"])
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

/// Tests/Fixtures/http/server.py on a free loopback port (the VHRSystem HTTP tests run the same
/// script). It exits when its stdin closes, so it never outlives the test binary.
private struct LoopbackServer: Sendable {
    enum Mode: String {
        case http, close, silent, refuse
    }

    let port: Int

    func url(_ path: String, scheme: String = "http") -> String {
        "\(scheme)://127.0.0.1:\(port)\(path)"
    }

    /// Runs `body` with a server started in `mode`, then stops the server.
    ///
    /// - Throws: `LoopbackServerError` when python3 is missing or the script fails: never a skip.
    static func with(
        _ mode: Mode = .http, tls: [String] = [], _ body: (LoopbackServer) async throws -> Void
    ) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/http/server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable("python3"))
        process.arguments = [script, "--mode", mode.rawValue] + (tls.isEmpty ? [] : ["--tls"] + tls)
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let stop: @Sendable () async -> Void = {
            try? input.fileHandleForWriting.close()
            _ = try? await onThread { process.waitUntilExit() }
        }
        let line = try await onThread {
            var bytes = Data()
            while !bytes.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                bytes.append(chunk)
            }
            return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            await stop()
            throw LoopbackServerError(
                "server.py --mode \(mode.rawValue) did not print its port (got \(line.debugDescription))")
        }
        do {
            try await body(LoopbackServer(port: port))
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// Runs a command to completion, failing with its output when it fails.
    static func run(_ name: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable(name))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let said = try await onThread {
            let said = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return said
        }
        guard process.terminationStatus == 0 else {
            throw LoopbackServerError("\(name) failed: \(String(decoding: said, as: UTF8.self))")
        }
    }

    private static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw LoopbackServerError("\(name) is not on PATH: install it to run the upload tests")
    }

    /// Blocking process I/O on a thread of its own, never on the cooperative pool.
    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try DedicatedThread(name: "loopback-server") { continuation.resume(returning: body()) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

private struct LoopbackServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
