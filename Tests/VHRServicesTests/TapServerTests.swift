import Foundation
import Testing
import VHRCore
import VHRSystem

@testable import VHRServices

@Suite struct TapServerTests {
    static func server(_ rig: AudioRig, _ configure: (inout TapServer.Settings) -> Void = { _ in }) throws
        -> TapServer
    {
        var settings = TapServer.Settings()
        configure(&settings)
        let server = try TapServer(
            path: rig.path("tap.sock"), mode: 0o600, ring: rig.ring, gate: rig.gate, policy: rig.policy,
            events: rig.events, logger: rig.logger, settings: settings)
        rig.attach(server.wakeup)
        server.start()
        return server
    }

    /// The full path of a tool, or a failure naming the Debian package that provides it.
    static func tool(_ name: String, package: String) throws -> String {
        for directory in ["/usr/bin", "/bin", "/usr/local/bin"]
        where FileManager.default.isExecutableFile(
            atPath: directory + "/" + name)
        {
            return directory + "/" + name
        }
        throw HarnessError(
            "'\(name)' is not installed: install the Debian package '\(package)' (scripts/install-deps.sh)")
    }

    /// Runs a command to completion without blocking a thread; returns its status and output.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 20) async throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-tool-" + UUID().uuidString)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw HarnessError("\(executable) \(arguments) did not finish in \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }

    /// The "Samples read" figure of `sox … stat` output.
    static func samplesRead(_ output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Samples read:") }) else {
            return nil
        }
        return Int(line.dropFirst("Samples read:".count).trimmingCharacters(in: .whitespaces))
    }

    /// Reads at least `count` bytes from a tap client.
    static func read(_ client: RawClient, bytes count: Int) async throws -> [UInt8] {
        var collected: [UInt8] = []
        #expect(
            try await client.fill(timeout: StreamServerTests.timeout) { bytes in
                collected = bytes
                return bytes.count >= count
            })
        return collected
    }

    @Test func soxReadsTheWAVTapThroughSocat() async throws {
        let sox = try Self.tool("sox", package: "sox")
        let socat = try Self.tool("socat", package: "socat")
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        // The documented pipeline: socat copies the socket to sox, which stops after one second.
        let (status, output) = try await Self.run(
            "/bin/sh", ["-c", "\(socat) -u UNIX-CONNECT:\(rig.path("tap.sock")) - | \(sox) -t wav - -n trim 0 1 stat"])
        #expect(status == 0, "sox failed: \(output)")
        // One second at the stream rate: sox took the rate from the WAV header.
        #expect(Self.samplesRead(output) == 4000, "\(output)")
        server.stop()
        rig.finish()
    }

    @Test func theWAVTapIsAFileSoxAndAplayAccept() async throws {
        let sox = try Self.tool("sox", package: "sox")
        let rig = try AudioRig()
        try rig.startRamp()
        // These check the format, not the latency cap: no skip however busy the machine is.
        let server = try Self.server(rig) { $0.maxLatencyMilliseconds = 60_000 }
        let client = try RawClient(path: rig.path("tap.sock"))
        let bytes = try await Self.read(client, bytes: 44 + 8000)
        client.close()
        // The header announces an unknown length; the samples are the ramp, contiguous.
        let wav = try WAVFile(bytes: bytes)
        #expect(Array(bytes[0..<4]) == Array("RIFF".utf8))
        #expect(wav.format == rig.ring.format)
        let first = UInt64(UInt16(bitPattern: wav.samples[0]))
        #expect(wav.samples.count >= 4000)
        #expect(
            wav.samples.enumerated().allSatisfy {
                UInt16(bitPattern: $0.element) == UInt16(truncatingIfNeeded: first + UInt64($0.offset))
            })
        let file = rig.path("tap.wav")
        try Data(bytes[0..<(44 + 8000)]).write(to: URL(fileURLWithPath: file))
        let (status, output) = try await Self.run(sox, [file, "-n", "stat"])
        #expect(status == 0, "\(output)")
        #expect(Self.samplesRead(output) == 4000, "\(output)")
        let (rateStatus, rate) = try await Self.run(sox, ["--i", "-r", file])
        #expect(rateStatus == 0 && rate.trimmingCharacters(in: .whitespacesAndNewlines) == "4000")
        if let aplay = try? Self.tool("aplay", package: "alsa-utils") {
            let (playStatus, played) = try await Self.run(aplay, ["-q", "-D", "null", file])
            #expect(playStatus == 0, "aplay: \(played)")
        }
        server.stop()
        rig.finish()
    }

    @Test func theRawTapIsBareSamples() async throws {
        let sox = try Self.tool("sox", package: "sox")
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig) {
            $0.encoding = .raw
            $0.maxLatencyMilliseconds = 60_000
        }
        let client = try RawClient(path: rig.path("tap.sock"))
        let bytes = try await Self.read(client, bytes: 8000)
        #expect(Array(bytes[0..<4]) != Array("RIFF".utf8))
        let samples = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        #expect(samples.enumerated().allSatisfy { $0.element == samples[0] &+ UInt16($0.offset) })
        let file = rig.path("tap.raw")
        try Data(bytes[0..<8000]).write(to: URL(fileURLWithPath: file))
        let (status, output) = try await Self.run(
            sox, ["-t", "raw", "-r", "4000", "-e", "signed", "-b", "16", "-c", "1", file, "-n", "stat"])
        #expect(status == 0 && Self.samplesRead(output) == 4000, "\(output)")
        server.stop()
        rig.finish()
    }

    @Test func aSlowTapReaderSkipsAndTheControlSocketIsTold() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig) { $0.encoding = .raw }
        let client = try RawClient(path: rig.path("tap.sock"))
        _ = try await Self.read(client, bytes: 800)
        try await Task.sleep(for: .milliseconds(3000))  // 1000 ms is the tap's limit
        // Reading again drains the socket; then the tap skips the reader forward.
        _ = try await Self.read(client, bytes: 20000)
        let xrun = try #require(try await rig.event("tap.xrun"))
        #expect((xrun["dropped"]?.intValue ?? 0) > 4000)
        #expect(xrun["client"]?.stringValue?.hasPrefix("tap#") == true)
        #expect(server.listenerCount == 1)
        server.stop()
        rig.finish()
    }

    @Test func aStalledTapReaderIsDisconnected() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig) { $0.stallTimeoutSeconds = 1 }
        let stalled = try RawClient(path: rig.path("tap.sock"))
        let event = try await rig.event("tap.disconnected") { $0["reason"] == "stalled" }
        #expect(event != nil)
        #expect(try await stalled.waitForClose(timeout: StreamServerTests.timeout))
        #expect(server.listenerCount == 0)
        server.stop()
        rig.finish()
    }

    @Test func aRefusedTapClientIsClosedAndReported() async throws {
        let rig = try AudioRig(access: [
            AccessRule(role: .technician, principal: .daemonUser),
            AccessRule(role: .clinician, principal: .uid(3_999_999)),
        ])
        rig.gate.set(true)  // a visit: the technician may not listen
        try rig.startRamp()
        let server = try Self.server(rig)
        let client = try RawClient(path: rig.path("tap.sock"))
        #expect(try await client.waitForClose(timeout: StreamServerTests.timeout))
        let refused = try #require(try await rig.event("tap.refused"))
        #expect(refused["code"] == "forbidden")
        #expect(refused["uid"]?.intValue == Int64(getuid()))
        #expect(rig.logs.messages.contains("tap listener refused"))
        // Between visits the technician may listen again.
        rig.gate.set(false)
        let later = try RawClient(path: rig.path("tap.sock"))
        #expect(try await Self.read(later, bytes: 44 + 400).count >= 444)
        server.stop()
        rig.finish()
    }

    @Test func endingTheVisitClosesTapListeners() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        let client = try RawClient(path: rig.path("tap.sock"))
        _ = try await Self.read(client, bytes: 444)
        server.endSession()
        #expect(try await client.waitForClose(timeout: StreamServerTests.timeout))
        server.stop()
        rig.finish()
    }
}
