import Foundation
import Glibc
import Synchronization
import VHRCore
import VHRSystem

/// The daemon end to end: `vhrd --simulate` capturing a simulated 48 kHz stethoscope (10 ms
/// blocks), `clients` stream-socket clients reading docs/stream-protocol.md frames.
///
/// The stethoscope plays a WAV file rendered here once (`recordingSeconds` of
/// `HeartSoundSynthesizer` audio at the benchmark's rate), looped: the daemon then copies
/// recorded samples like a capture device delivers them, so its CPU is the audio path's, not
/// the cost of synthesizing heart sounds sample by sample (`synthetic:` costs about 1 % of a
/// core at 48 kHz on its own).
///
/// Latency of a frame = the client's CLOCK_MONOTONIC when the whole frame has been read, minus
/// the capture time of the frame's *last* sample (`capture_ns + samples / rate`): the delay the
/// daemon adds beyond the frame's own duration. The first-sample figure (`now - capture_ns`) is
/// reported alongside. CPU is the vhrd process's utime + stime from /proc/PID/stat over the
/// measuring window (10 ms ticks), per second of wall time, which is a second of audio here.
enum EndToEndBenchmark {
    struct Settings {
        var vhrdPath: String
        var clients = 8
        var sampleRate = 48_000
        /// Audio in the looped recording.
        var recordingSeconds = 15
        var warmupSeconds = 1.0
        /// How long vhrd's CPU is measured with no client, first.
        var idleSeconds = 2.0
        var seconds = 10.0
        var clientCPU = -1
    }

    struct Outcome {
        var latencyMilliseconds: [Double]
        var firstSampleLatencyMilliseconds: [Double]
        var samplesPerClientPerSecond: [Double]
        var framesPerClient: [Int]
        var droppedSamples: Int
        var gaps: Int
        var errors: Int
        var cpuFractionWithClients: Double
        var cpuFractionIdle: Double
        var frameSamples: Int
        var elapsedSeconds: Double
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private final class Client: Sendable {
        /// Receipt times inside [windowStart, windowEnd) count; set by the main thread before start.
        let windowStart: Int64
        let windowEnd: Int64
        let result = Mutex<ClientResult>(ClientResult())

        init(windowStart: Int64, windowEnd: Int64) {
            self.windowStart = windowStart
            self.windowEnd = windowEnd
        }
    }

    private struct ClientResult: Sendable {
        var latencies: [Double] = []
        var firstSampleLatencies: [Double] = []
        var samples = 0
        var frames = 0
        var dropped = 0
        var gaps = 0
        var errors = 0
        var frameSamples = 0
    }

    static func run(_ settings: Settings) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: settings.vhrdPath) else {
            throw Failure(
                description:
                    "vhrd not found at \(settings.vhrdPath): build it (swift build -c release) or pass --vhrd PATH")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let runtime = directory.appendingPathComponent("run").path
        let state = directory.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let recording = directory.appendingPathComponent("heart.wav").path
        try writeRecording(to: recording, settings)

        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: settings.vhrdPath)
        daemon.arguments = [
            "--simulate", "--sim-source", "file:\(recording)", "--runtime-dir", runtime,
            "--state-dir", state, "--log-level", "warning",
        ]
        let log = directory.appendingPathComponent("vhrd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        daemon.standardOutput = logHandle
        daemon.standardError = logHandle
        try daemon.run()
        defer {
            if daemon.isRunning {
                daemon.terminate()
                daemon.waitUntilExit()
            }
        }
        let socketPath = runtime + "/stream.sock"
        try waitForSocket(socketPath, daemon: daemon, log: log)

        // Capture alone first (no clients): what the listeners add is the difference.
        let idleStart = try processCPUTime(daemon.processIdentifier)
        let idleWallStart = MonotonicClock.now()
        MonotonicClock.sleep(until: idleWallStart + Int64(settings.idleSeconds * 1e9))
        let idleFraction =
            Double(try processCPUTime(daemon.processIdentifier) - idleStart)
            / Double(MonotonicClock.now() - idleWallStart)

        let connectTime = MonotonicClock.now()
        let windowStart = connectTime + Int64(settings.warmupSeconds * 1e9)
        let windowEnd = windowStart + Int64(settings.seconds * 1e9)
        var clients: [Client] = []
        var threads: [DedicatedThread] = []
        for index in 0..<settings.clients {
            let socket = try UnixSocket.connect(path: socketPath)
            let client = Client(windowStart: windowStart, windowEnd: windowEnd)
            clients.append(client)
            let cpu = settings.clientCPU
            threads.append(
                try DedicatedThread(name: "bench-client\(index)") {
                    _ = CPUAffinity.pinCurrentThread(to: cpu)
                    receive(from: socket, client)
                    socket.closeIgnoringErrors()
                })
        }
        MonotonicClock.sleep(until: windowStart)
        let cpuStart = try processCPUTime(daemon.processIdentifier)
        let wallStart = MonotonicClock.now()
        MonotonicClock.sleep(until: windowEnd)
        let cpuEnd = try processCPUTime(daemon.processIdentifier)
        let wallEnd = MonotonicClock.now()
        // Closing the daemon ends every client's blocking read.
        daemon.terminate()
        daemon.waitUntilExit()
        for thread in threads { thread.join() }

        let results = clients.map { $0.result.withLock { $0 } }
        let seconds = Double(wallEnd - wallStart) / 1e9
        return Outcome(
            latencyMilliseconds: results.flatMap(\.latencies),
            firstSampleLatencyMilliseconds: results.flatMap(\.firstSampleLatencies),
            samplesPerClientPerSecond: results.map { Double($0.samples) / seconds },
            framesPerClient: results.map(\.frames),
            droppedSamples: results.reduce(0) { $0 + $1.dropped },
            gaps: results.reduce(0) { $0 + $1.gaps },
            errors: results.reduce(0) { $0 + $1.errors },
            cpuFractionWithClients: Double(cpuEnd - cpuStart) / Double(wallEnd - wallStart),
            cpuFractionIdle: idleFraction,
            frameSamples: results.map(\.frameSamples).max() ?? 0,
            elapsedSeconds: seconds)
    }

    /// Renders the looped recording: heart sounds at the benchmark's rate, as a 16-bit WAV file.
    private static func writeRecording(to path: String, _ settings: Settings) throws {
        var synthesizer = HeartSoundSynthesizer(sampleRate: settings.sampleRate)
        var samples = [Int16](repeating: 0, count: settings.sampleRate * settings.recordingSeconds)
        samples.withUnsafeMutableBufferPointer { synthesizer.render(into: $0) }
        let bytes = WAVFile(format: synthesizer.format, samples: samples).encoded()
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw Failure(description: "cannot write the benchmark's recording \(path): check the temporary directory")
        }
    }

    private static func waitForSocket(_ path: String, daemon: Process, log: URL) throws {
        let deadline = MonotonicClock.now() + 30_000_000_000
        while MonotonicClock.now() < deadline {
            guard daemon.isRunning else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw Failure(description: "vhrd exited before opening its stream socket:\n\(text)")
            }
            if let socket = try? UnixSocket.connect(path: path) {
                socket.closeIgnoringErrors()
                return
            }
            MonotonicClock.sleep(until: MonotonicClock.now() + 50_000_000)
        }
        throw Failure(description: "vhrd did not open \(path) within 30 s")
    }

    /// utime + stime of `pid`, nanoseconds (from clock ticks).
    private static func processCPUTime(_ pid: Int32) throws -> Int64 {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name is in parentheses and may hold spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { throw Failure(description: "unreadable /proc/\(pid)/stat") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Fields 14 and 15 of stat(5); fields[0] here is field 3 (state).
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else {
            throw Failure(description: "unreadable /proc/\(pid)/stat")
        }
        let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) * 1_000_000_000 / ticksPerSecond
    }

    /// One client: reads frames until the daemon closes the socket, recording the audio frames
    /// received inside the window.
    private static func receive(from socket: FileDescriptor, _ client: Client) {
        var result = ClientResult()
        result.latencies.reserveCapacity(4096)
        result.firstSampleLatencies.reserveCapacity(4096)
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: StreamFrameHeader.size + 65_536 + 4096, alignment: 8)
        defer { buffer.deallocate() }
        var nextIndex: UInt64?
        while true {
            guard readExactly(socket, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<StreamFrameHeader.size]))
            else { break }
            let header: StreamFrameHeader
            let headerLength: Int
            do {
                (header, headerLength) = try StreamFrameHeader.decode(
                    from: UnsafeRawBufferPointer(rebasing: buffer[0..<StreamFrameHeader.size]))
            } catch {
                result.errors += 1
                break
            }
            let rest = headerLength - StreamFrameHeader.size + Int(header.payloadLength)
            guard rest <= buffer.count - StreamFrameHeader.size else {
                result.errors += 1
                break
            }
            guard
                readExactly(
                    socket,
                    into: UnsafeMutableRawBufferPointer(
                        rebasing: buffer[StreamFrameHeader.size..<(StreamFrameHeader.size + rest)]))
            else { break }
            let now = MonotonicClock.now()
            guard header.type == .audio || header.type == .gap else {
                if header.type == .error { break }
                continue
            }
            let channels = max(1, Int(header.channels))
            let samples = Int(header.payloadLength) / (2 * channels)
            let inWindow = now >= client.windowStart && now < client.windowEnd
            if let expected = nextIndex, header.sampleIndex != expected, inWindow { result.gaps += 1 }
            nextIndex = header.sampleIndex + UInt64(header.type == .gap ? Int(header.dropped) : samples)
            guard inWindow, header.type == .audio, header.sampleRate > 0 else { continue }
            let duration = Int64(samples) * 1_000_000_000 / Int64(header.sampleRate)
            result.latencies.append(Double(now - (header.captureNanoseconds + duration)) / 1e6)
            result.firstSampleLatencies.append(Double(now - header.captureNanoseconds) / 1e6)
            result.samples += samples
            result.frames += 1
            result.dropped += Int(header.dropped)
            result.frameSamples = max(result.frameSamples, samples)
        }
        client.result.withLock { $0 = result }
    }

    private static func readExactly(_ socket: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var done = 0
        while done < buffer.count {
            guard
                case .value(let count) = try? socket.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...])),
                count > 0
            else { return false }
            done += count
        }
        return true
    }
}
