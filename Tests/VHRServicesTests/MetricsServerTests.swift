import Foundation
import Testing
import VHRCore
import VHRServices
import VHRSystem

/// The metrics socket, scraped by a real HTTP client (`curl --unix-socket`), as a fleet agent would.
@Suite struct MetricsServerTests {
    final class Fixture {
        let directory = NSTemporaryDirectory() + "vhr-metrics-" + UUID().uuidString.prefix(8)
        let server: MetricsServer
        var path: String { server.path }

        init(access: [AccessRule] = Role.allCases.map { AccessRule(role: $0, principal: .daemonUser) }) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let policy = try AccessPolicy(rules: access, daemonUID: getuid(), configFile: "test")
            server = try MetricsServer(
                path: directory + "/metrics.sock", mode: 0o660, policy: policy, logger: .discarding()
            ) {
                [
                    MetricFamily("vhr_measurements_saved_total", .counter, help: "Saved.", value: 2),
                    MetricFamily(
                        "vhr_device_connected", .gauge, help: "Connected.",
                        samples: [.init(1, labels: [.init("device", "cuff")])]),
                ]
            }
            server.start()
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Runs curl against the socket; waits with Task.sleep so the cooperative pool stays free.
    static func curl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            throw HarnessError("no /usr/bin/curl; run scripts/install-deps.sh (Debian package curl)")
        }
        // Generous: the answer needs a thread of the cooperative pool, which a loaded CI machine
        // running the whole suite in parallel can keep busy for several seconds.
        process.arguments = ["--silent", "--show-error", "--max-time", "60"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, output)
    }

    @Test func aScrapeGetsTheTextExposition() async throws {
        let fixture = try Fixture()
        let result = try await Self.curl(["--include", "--unix-socket", fixture.path, "http://localhost/metrics"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(result.output.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(result.output.contains("\r\n\r\n# HELP vhr_measurements_saved_total Saved.\n"))
        #expect(result.output.contains("vhr_device_connected{device=\"cuff\"} 1\n"))
    }

    @Test func otherPathsAndMethodsAreRefusedPlainly() async throws {
        let fixture = try Fixture()
        let missing = try await Self.curl([
            "--write-out", "%{http_code}", "--output", "/dev/null", "--unix-socket", fixture.path, "http://localhost/x",
        ])
        #expect(missing.output == "404")
        let post = try await Self.curl([
            "--write-out", "%{http_code}", "--output", "/dev/null", "-X", "POST", "--unix-socket", fixture.path,
            "http://localhost/metrics",
        ])
        #expect(post.output == "405")
    }

    @Test func garbageGetsA400AndTheServerGoesOn() async throws {
        let fixture = try Fixture()
        let socket = try UnixSocket.connect(path: fixture.path)
        defer { socket.closeIgnoringErrors() }
        try socket.writeAll(Array("\u{1}\u{2}garbage\n".utf8))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let result = try buffer.withUnsafeMutableBytes { (raw) throws(Errno) in try socket.read(into: raw) }
            guard case .value(let count) = result, count > 0 else {
                if case .value(0) = result { break }
                try await Task.sleep(for: .milliseconds(10))
                continue
            }
            received += buffer[0..<count]
        }
        #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let after = try await Self.curl(["--unix-socket", fixture.path, "http://localhost/metrics"])
        #expect(after.output.contains("vhr_measurements_saved_total 2"))
    }

    @Test func aClientWithoutARoleIsRefused() async throws {
        // Only a uid nobody here has holds a role.
        let fixture = try Fixture(access: Role.allCases.map { AccessRule(role: $0, principal: .uid(4_000_000)) })
        let result = try await Self.curl([
            "--write-out", "%{http_code}", "--output", "/dev/null", "--unix-socket", fixture.path,
            "http://localhost/metrics",
        ])
        #expect(result.output == "403")
    }
}
