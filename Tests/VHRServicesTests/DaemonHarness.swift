import Foundation
import VHRCore
import VHRServices
import VHRSystem

/// A daemon in this process, in temporary directories, with its log captured.
final class DaemonHarness: @unchecked Sendable {
    // @unchecked: the fields are set in init and only read afterwards.
    let root: String
    let runtimeDirectory: String
    let stateDirectory: String
    let logs = InMemoryLogHandler()
    let daemon: Daemon
    private let signals: AsyncStream<Int32>.Continuation
    private let running: Task<Void, any Error>

    /// - Parameter config: a vhrd.conf to use instead of the simulated room.
    init(config: String? = nil, arguments: [String] = ["--sim-time-scale", "50", "--sim-fault-rate", "0"])
        async throws
    {
        root = NSTemporaryDirectory() + "vhr-test-" + UUID().uuidString.prefix(8)
        runtimeDirectory = root + "/run"
        stateDirectory = root + "/state"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var argv = ["--runtime-dir", runtimeDirectory, "--state-dir", stateDirectory] + arguments
        if let config {
            try config.write(toFile: root + "/vhrd.conf", atomically: true, encoding: .utf8)
            argv += ["--config", root + "/vhrd.conf"]
        } else {
            argv += ["--simulate"]
        }
        guard case .run(let options) = try DaemonOptions.parse(argv) else { fatalError("not a run") }
        daemon = try Daemon(
            options: options, environment: [:], logger: Logger(label: "test", minimumLevel: .debug, handler: logs))
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        signals = continuation
        running = Task { [daemon] in try await daemon.run(until: stream) }
        // Ready when the log says so.
        let deadline = Date().addingTimeInterval(30)
        while !logs.records.contains(where: { $0.message == "vhrd ready" }) {
            guard Date() < deadline else { throw HarnessError("daemon did not become ready") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func stop() async throws {
        signals.yield(15)
        signals.finish()
        try await running.value
        try? FileManager.default.removeItem(atPath: root)
    }

    var controlPath: String { runtimeDirectory + "/control.sock" }
    var streamPath: String { runtimeDirectory + "/stream.sock" }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A raw socket client with deadlines, for poking at the servers.
final class RawClient {
    let fd: FileDescriptor
    private var buffer: [UInt8] = []
    private(set) var closedByPeer = false

    init(path: String) throws {
        fd = try UnixSocket.connect(path: path)
        try fd.setNonBlocking()
    }

    private var isOpen = true

    deinit { close() }

    func close() {
        if isOpen { fd.closeIgnoringErrors() }
        isOpen = false
    }

    func send(_ text: String) throws {
        try fd.writeAllRetrying(Array(text.utf8))
    }

    /// Reads whatever arrives until `condition` holds on the buffer or the deadline passes.
    /// Waits with `Task.sleep`, never blocking a thread: the daemon under test runs its tasks
    /// on the same cooperative pool.
    @discardableResult
    func fill(timeout: Double = 30, until condition: ([UInt8]) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !condition(buffer) {
            if closedByPeer || Date() > deadline { return false }
            let result = try chunk.withUnsafeMutableBytes { raw throws(Errno) in try fd.read(into: raw) }
            switch result {
            case .value(0): closedByPeer = true
            case .value(let count): buffer += chunk[0..<count]
            case .wouldBlock: try await Task.sleep(for: .milliseconds(2))
            }
        }
        return true
    }

    /// The next line, without its newline.
    func line(timeout: Double = 30) async throws -> String? {
        guard try await fill(timeout: timeout, until: { $0.contains(0x0A) }) else { return nil }
        let end = buffer.firstIndex(of: 0x0A)!
        let line = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 1)
        return line
    }

    func json(timeout: Double = 30) async throws -> JSONValue? {
        guard let line = try await line(timeout: timeout) else { return nil }
        return try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
    }

    /// The next stream frame.
    func frame(timeout: Double = 30) async throws -> StreamFrame? {
        var decoder = StreamFrameDecoder()
        var result: StreamFrame?
        _ = try await fill(timeout: timeout) { bytes in
            decoder = StreamFrameDecoder()
            decoder.append(bytes)
            result = try? decoder.next()
            return result != nil
        }
        guard let result else { return nil }
        buffer.removeFirst(StreamFrameHeader.size + result.payload.count)
        return result
    }

    /// Waits for the peer to close.
    func waitForClose(timeout: Double = 30) async throws -> Bool {
        try await fill(timeout: timeout) { _ in false }
        return closedByPeer
    }
}

extension FileDescriptor {
    func writeAllRetrying(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let result = try bytes[offset...].withUnsafeBytes { raw throws(Errno) in try write(raw) }
            switch result {
            case .value(let count): offset += count
            case .wouldBlock: Thread.sleep(forTimeInterval: 0.001)
            }
        }
    }
}
