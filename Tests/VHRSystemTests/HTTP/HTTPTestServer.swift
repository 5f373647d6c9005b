import Foundation
import VHRTestSupport

/// `Tests/Fixtures/http/server.py` run as a child process on a free loopback port, for one test.
/// It exits when its stdin closes, so it never outlives the test binary.
struct HTTPTestServer {
    /// What the server does with a connection; see server.py.
    enum Mode: String {
        case http, close, silent, refuse
    }

    let port: Int
    private let process: Process
    private let input: Pipe

    /// `http://127.0.0.1:PORT` (or `https://` for a TLS server) followed by `path`.
    func url(_ path: String, scheme: String = "http") -> String {
        "\(scheme)://127.0.0.1:\(port)\(path)"
    }

    /// Starts the server and waits for the port it prints.
    ///
    /// - Throws: `HTTPTestServerError` when python3 is missing or the script fails: never a skip.
    static func start(_ mode: Mode = .http, tls: (certificate: String, key: String)? = nil) async throws
        -> HTTPTestServer
    {
        let python = try executable("python3")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/http/server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--mode", mode.rawValue] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? [])
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let line = try await onDedicatedThread("http-server") { readLine(output.fileHandleForReading) }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            try? input.fileHandleForWriting.close()
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw HTTPTestServerError("server.py --mode \(mode.rawValue) did not print its port; it said:\n\(said)")
        }
        return HTTPTestServer(port: port, process: process, input: input)
    }

    /// Stops the server (closing its stdin) and waits for it to exit.
    func stop() async {
        try? input.fileHandleForWriting.close()
        let process = process
        _ = try? await onDedicatedThread("http-server") { process.waitUntilExit() }
    }

    /// The first line a process wrote, without its newline; empty if it wrote none.
    private static func readLine(_ handle: FileHandle) -> String {
        var bytes = Data()
        while !bytes.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            bytes.append(chunk)
        }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }
}

/// The full path of `name` found on `PATH`, or an error saying to install it.
func executable(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
    }
    throw HTTPTestServerError("\(name) is not on PATH: install it (scripts/install-deps.sh) to run the HTTP tests")
}

struct HTTPTestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
