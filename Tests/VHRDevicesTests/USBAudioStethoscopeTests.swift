import Foundation
import Glibc
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem

@Suite struct USBAudioStethoscopeTests {
    typealias Settings = USBAudioStethoscope.Settings

    static let info = DeviceInfo(
        id: "steth", kind: .stethoscope, profile: "generic-uac-stethoscope", model: "USB stethoscope",
        transport: "alsa", simulated: false)

    static var profilePath: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("DeviceProfiles/generic-uac-stethoscope.json")
    }

    @Test func theGenericProfileDecodesIntoValidSettings() throws {
        let profile = try DeviceProfile.decode(
            try Data(contentsOf: Self.profilePath), file: "generic-uac-stethoscope.json")
        #expect(profile.family == "uac-stethoscope")
        #expect(profile.transport == .alsa)
        let settings = try profile.decodeParameters(as: Settings.self)
        #expect(
            settings
                == Settings(
                    device: "plughw:CARD=Device,DEV=0", captureRate: 48_000, streamRate: 8000, channels: 1,
                    periodMilliseconds: 10, periods: 4, filter: "extended"))
        try settings.validate()
        #expect(settings.factor == 6)
        #expect(settings.periodFrames == 480)
        let stethoscope = try USBAudioStethoscope(info: Self.info, settings: settings)
        #expect(stethoscope.format == AudioFormat(sampleRate: 8000, channels: 1))
        #expect(stethoscope.filterMode == .extended)
    }

    @Test func badSettingsAreRefusedWithAFix() {
        let good = Settings(device: "plughw:CARD=Device,DEV=0")
        var cases: [(Settings, String)] = []
        var settings = good
        settings.device = ""
        cases.append((settings, "no capture device"))
        settings = good
        settings.streamRate = 7000
        cases.append((settings, "does not divide"))
        settings = good
        settings.streamRate = 2000
        cases.append((settings, "below 4000"))
        settings = good
        settings.captureRate = 4_000_000
        cases.append((settings, "out of range"))
        settings = good
        settings.channels = 0
        cases.append((settings, "0 channels"))
        settings = good
        settings.captureRate = 44_100
        settings.streamRate = 11_025
        settings.periodMilliseconds = 3
        cases.append((settings, "not a whole number of frames"))
        settings = good
        settings.periods = 1
        cases.append((settings, "1 periods"))
        settings = good
        settings.filter = "wide"
        cases.append((settings, "unknown filter 'wide'"))
        for (settings, problem) in cases {
            #expect {
                try settings.validate()
            } throws: { error in
                guard let error = error as? DeviceError else { return false }
                return error.code == .invalidData && error.message.contains(problem) && error.hint != nil
            }
            #expect(throws: DeviceError.self) { _ = try USBAudioStethoscope(info: Self.info, settings: settings) }
        }
        #expect(throws: Never.self) { try good.validate() }
    }

    @Test func roomOptionsOverrideDeviceAndFilter() throws {
        let settings = try Settings(device: "plughw:0").applying(options: ["device": "hw:CARD=Steth", "filter": "bell"])
        #expect(settings.device == "hw:CARD=Steth")
        #expect(settings.filterMode == .bell)
        #expect {
            _ = try Settings(device: "plughw:0").applying(options: ["gain": "3"])
        } throws: { ($0 as? DeviceError)?.message.contains("'gain'") == true }
    }

    @Test func alsaFailuresBecomeDeviceErrorsThatSayWhatToDo() {
        let table: [(Int32, DeviceError.Code, String)] = [
            (-ENOENT, .notFound, "arecord -l"), (-ENODEV, .notFound, "plugged in"),
            (-EACCES, .permissionDenied, "group audio"), (-EBUSY, .busy, "PipeWire"), (-EIO, .read, "arecord -D"),
        ]
        for (code, expected, hint) in table {
            let error = USBAudioStethoscope.deviceError(
                ALSAError(code: code, operation: "snd_pcm_open"), device: "hw:9")
            #expect(error.code == expected, "code \(code)")
            #expect(error.hint?.contains(hint) == true, "code \(code): \(error.hint ?? "no hint")")
            #expect(error.message.contains("hw:9"))
        }
    }

    @Test func filterSwitchesWhileStopped() throws {
        let stethoscope = try USBAudioStethoscope(info: Self.info, settings: Settings(device: "null", filter: "bell"))
        #expect(stethoscope.filterMode == .bell)
        stethoscope.setFilter(.diaphragm)
        #expect(stethoscope.filterMode == .diaphragm)
        let switching: any StethoscopeFilterSwitching = stethoscope
        switching.setFilter(.extended)
        #expect(stethoscope.filterMode == .extended)
    }

    /// The Goertzel power of `frequency` in `samples` at `rate`, as an amplitude.
    static func amplitude(of frequency: Double, in samples: ArraySlice<Int16>, rate: Double) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / rate)
        var (s1, s2) = (0.0, 0.0)
        for sample in samples {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        return 2 * power.squareRoot() / Double(samples.count)
    }

    @Test func capturesThroughALSADecimatesAndFilters() async throws {
        // One second at 48 kHz: 50 Hz and 200 Hz (kept in extended mode) plus 6 kHz (which would
        // alias to 2 kHz at 8 kHz).
        let input = (0..<48_000).map { n -> Int16 in
            let t = Double(n) / 48_000
            return Int16(
                8000 * sin(2 * Double.pi * 50 * t) + 8000 * sin(2 * Double.pi * 200 * t) + 8000
                    * sin(2 * Double.pi * 6000 * t))
        }
        let report = try JSONDecoder().decode(
            CaptureReport.self,
            from: try await FakeALSA.runChild(probe: "USBAudioStethoscopeChildProbe", samples: input))

        // Every 10 ms read of 480 frames gives 480 / 6 = 80 samples; 48000 in, 8000 out.
        #expect(report.clean.blockSizes.prefix(100).allSatisfy { $0 == 80 })
        #expect(report.clean.blockSizes.prefix(100).reduce(0, +) == input.count / 6)
        #expect(report.clean.timesPlausible)
        let output = report.clean.samples[...]
        #expect(output.count == 8000)
        let settled = output[800..<8000]  // past the FIR and the filters' start
        for frequency in [50.0, 200] {
            let kept = Self.amplitude(of: frequency, in: settled, rate: 8000)
            #expect(abs(20 * log10(kept / 8000)) < 1, "\(frequency) Hz: \(kept)")
        }
        // 6 kHz folds to 2 kHz; it must be ≥ 60 dB below its 8000 input amplitude.
        let aliased = Self.amplitude(of: 2000, in: settled, rate: 8000)
        #expect(20 * log10(max(aliased, 1e-3) / 8000) <= -60, "alias at 2 kHz: \(aliased)")
        // Exactly what the decimator and filter make of the whole input at once: no sample was
        // lost, repeated or split differently by the capture path.
        #expect(report.clean.samples == Array(Self.reference(input, channels: 1).prefix(8000)))
        // Read as stereo (24000 frames), the same bytes are averaged pairwise to mono first.
        #expect(report.stereo.samples == Array(Self.reference(input, channels: 2).prefix(4000)))
        #expect(report.stereo.samples.count == 4000)
        #expect(report.clean.overruns == 0)
        #expect(report.clean.writesAfterStop == 0)
        #expect(report.clean.secondStartError == "busy")

        // The sink switched to diaphragm (100–2000 Hz) after block 50, output sample 4000: from
        // then on the 50 Hz is cut by more than 20 dB and the 200 Hz stays.
        #expect(report.switched.modeAfter == "diaphragm")
        let switched = report.switched.samples
        #expect(switched.count == 8000)
        let before = Self.amplitude(of: 50, in: switched[1000..<4000], rate: 8000)
        let after = Self.amplitude(of: 50, in: switched[4400..<8000], rate: 8000)
        #expect(20 * log10(after / before) < -20, "50 Hz before \(before), after \(after)")
        let stays = Self.amplitude(of: 200, in: switched[4400..<8000], rate: 8000)
        #expect(abs(20 * log10(stays / 8000)) < 1, "200 Hz after the switch: \(stays)")

        // A device that is missing at start: no error, it is waited for and captured when it comes.
        #expect(report.late.startError == nil)
        #expect(report.late.errorWhileMissing == "not_found")
        #expect(report.late.capturingWhileMissing == false)
        #expect(report.late.samplesOnceThere > 0)
        #expect(report.late.reopens == 0)

        // A device that fails mid-stream (-EIO): closed, reopened, and capture goes on.
        #expect(report.failing.reopens >= 2)
        #expect(report.failing.samplesAfterReopen > 0)
    }

    /// The pipeline of the capture thread, run on the whole input in one go: channels averaged,
    /// 48 → 8 kHz, extended mode, rounded and clamped to 16 bits.
    static func reference(_ input: [Int16], channels: Int) -> [Int16] {
        let scale = 1 / Float(channels)
        let mono = stride(from: 0, to: input.count - channels + 1, by: channels).map { start -> Float in
            var sum: Float = 0
            for channel in 0..<channels { sum += Float(input[start + channel]) }
            return channels == 1 ? sum : sum * scale
        }
        let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
        var output = [Float](repeating: 0, count: decimator.maximumOutputCount(forInputCount: mono.count))
        let count = mono.withUnsafeBufferPointer { mono in
            output.withUnsafeMutableBufferPointer { decimator.process(input: mono, output: $0) }
        }
        output.removeLast(output.count - count)
        let filter = StethoscopeFilter(sampleRate: 8000, mode: .extended)
        output.withUnsafeMutableBufferPointer { filter.process($0, mode: .extended) }
        return output.map { Int16(max(-32_768, min(32_767, $0.rounded()))) }
    }

    /// What the child saw; see `USBAudioStethoscopeChildProbe`.
    struct CaptureReport: Codable {
        struct Clean: Codable {
            var samples: [Int16]
            var blockSizes: [Int]
            var timesPlausible: Bool
            var overruns: Int
            var writesAfterStop: Int
            var secondStartError: String
        }
        struct Switched: Codable {
            var samples: [Int16]
            var modeAfter: String
        }
        struct Late: Codable {
            var startError: String?
            var errorWhileMissing: String?
            var capturingWhileMissing: Bool
            var samplesOnceThere: Int
            var reopens: Int
        }
        struct Failing: Codable {
            var reopens: Int
            var samplesAfterReopen: Int
        }
        struct Stereo: Codable {
            var samples: [Int16]
        }
        var clean: Clean
        var stereo: Stereo
        var switched: Switched
        var late: Late
        var failing: Failing
    }
}

/// Collects the first `limit` samples and every write's size and time; runs `onWrite` with the
/// write's number (from 0) on the capture thread.
private final class CollectingSink: AudioSink {
    private struct State {
        var samples: [Int16] = []
        var blockSizes: [Int] = []
        var times: [Int64] = []
    }

    let limit: Int
    let writes = Atomic<Int>(0)
    private let state = Mutex(State())
    private let onWrite: @Sendable (Int) -> Void

    init(limit: Int, onWrite: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.limit = limit
        self.onWrite = onWrite
    }

    func write(_ samples: UnsafeBufferPointer<Int16>, captureTime: Int64) {
        let number = writes.add(1, ordering: .relaxed).oldValue
        state.withLock { state in
            guard state.samples.count < limit else { return }
            state.samples += samples.prefix(limit - state.samples.count)
            state.blockSizes.append(samples.count)
            state.times.append(captureTime)
        }
        onWrite(number)
    }

    var samples: [Int16] { state.withLock { $0.samples } }
    var blockSizes: [Int] { state.withLock { $0.blockSizes } }
    var times: [Int64] { state.withLock { $0.times } }
    var isFull: Bool { state.withLock { $0.samples.count >= limit } }

    /// Waits up to `seconds` for `condition`.
    static func wait(_ seconds: Double, for condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.now() + Int64(seconds * 1e9)
        while !condition() {
            guard MonotonicClock.now() < deadline else { return false }
            MonotonicClock.sleep(until: MonotonicClock.now() + 5_000_000)
        }
        return true
    }
}

/// Runs in a child process with the fake PCMs configured (see `FakeALSA`).
@Suite struct USBAudioStethoscopeChildProbe {
    typealias Report = USBAudioStethoscopeTests.CaptureReport

    static func stethoscope(_ device: String, filter: String = "extended") throws -> USBAudioStethoscope {
        try USBAudioStethoscope(
            info: USBAudioStethoscopeTests.info,
            settings: .init(device: device, captureRate: 48_000, streamRate: 8000, filter: filter))
    }

    @Test func probe() throws {
        guard let output = FakeALSA.childOutputPath, let directory = FakeALSA.childDirectory else {
            // In the whole suite, on the host: the fakes are not configured, so the device is
            // missing, which start does not treat as an error: it waits for the device.
            let stethoscope = try Self.stethoscope("vhr_fakesteth")
            try stethoscope.start(sink: CollectingSink(limit: 1))
            #expect(CollectingSink.wait(10) { stethoscope.lastError != nil })
            #expect(stethoscope.lastError?.code == .notFound)
            #expect(!stethoscope.isCapturing)
            stethoscope.stop()
            return
        }
        let begin = MonotonicClock.now()

        // 1. Clean capture.
        let stethoscope = try Self.stethoscope("vhr_fakesteth")
        let sink = CollectingSink(limit: 8000)
        try stethoscope.start(sink: sink)
        var secondStart = "none"
        do { try stethoscope.start(sink: sink) } catch { secondStart = error.code.rawValue }
        guard CollectingSink.wait(60, for: { sink.isFull }) else { throw ProbeError("no 8000 samples in 60 s") }
        stethoscope.stop()
        let writesAtStop = sink.writes.load(ordering: .relaxed)
        MonotonicClock.sleep(until: MonotonicClock.now() + 50_000_000)
        let end = MonotonicClock.now()
        let clean = Report.Clean(
            samples: sink.samples, blockSizes: sink.blockSizes,
            timesPlausible: sink.times.allSatisfy { $0 > begin - 1_000_000_000 && $0 < end },
            overruns: stethoscope.overruns, writesAfterStop: sink.writes.load(ordering: .relaxed) - writesAtStop,
            secondStartError: secondStart)

        // 1b. The same bytes read as stereo frames.
        let stereo = try USBAudioStethoscope(
            info: USBAudioStethoscopeTests.info,
            settings: .init(device: "vhr_fakesteth", captureRate: 48_000, streamRate: 8000, channels: 2))
        let stereoSink = CollectingSink(limit: 4000)
        try stereo.start(sink: stereoSink)
        guard CollectingSink.wait(60, for: { stereoSink.isFull }) else { throw ProbeError("stereo: no samples") }
        stereo.stop()

        // 2. A live switch from the capture thread's own sink, after block 50.
        let switching = try Self.stethoscope("vhr_fakesteth")
        let switchSink = CollectingSink(limit: 8000) { [weak switching] number in
            if number == 50 { switching?.setFilter(.diaphragm) }
        }
        try switching.start(sink: switchSink)
        guard CollectingSink.wait(60, for: { switchSink.isFull }) else { throw ProbeError("switch: no samples") }
        switching.stop()
        let switched = Report.Switched(samples: switchSink.samples, modeAfter: switching.filterMode.description)

        // 3. A device missing at start that appears later.
        let late = try Self.stethoscope("vhr_late")
        let lateSink = CollectingSink(limit: 800)
        var startError: String?
        do { try late.start(sink: lateSink) } catch { startError = error.description }
        let missingError = late.lastError?.code.rawValue
        let capturingWhileMissing = late.isCapturing
        try """
        pcm.vhr_late { type file slave.pcm "null" file "/dev/null" infile "\(directory)/in.raw" format "raw" }

        """.write(toFile: "\(directory)/late.conf", atomically: true, encoding: .utf8)
        _ = CollectingSink.wait(30) { lateSink.isFull }
        late.stop()
        let lateReport = Report.Late(
            startError: startError, errorWhileMissing: missingError, capturingWhileMissing: capturingWhileMissing,
            samplesOnceThere: lateSink.samples.count, reopens: late.reopens)

        // 4. A device failing mid-stream.
        let failing = try Self.stethoscope("vhr_failing")
        let failingSink = CollectingSink(limit: 1)
        try failing.start(sink: failingSink)
        _ = CollectingSink.wait(30) { failing.reopens >= 2 }
        let writesAtSecondReopen = failingSink.writes.load(ordering: .relaxed)
        _ = CollectingSink.wait(30) { failingSink.writes.load(ordering: .relaxed) > writesAtSecondReopen }
        failing.stop()
        let failingReport = Report.Failing(
            reopens: failing.reopens,
            samplesAfterReopen: failingSink.writes.load(ordering: .relaxed) - writesAtSecondReopen)

        let report = Report(
            clean: clean, stereo: .init(samples: stereoSink.samples), switched: switched, late: lateReport,
            failing: failingReport)
        try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: output))
    }
}

private struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Capture PCMs without a sound card: `Tests/Fixtures/alsa/fakesteth.conf` (ALSA's file plugin
/// over the null plugin), loaded through `ALSA_CONFIG_PATH` in a child process of this test
/// binary. The child has the variable from its start, so no `setenv` races the parallel tests
/// and alsa-lib's global configuration in this process stays the host's.
private enum FakeALSA {
    static let outputVariable = "VHR_ALSA_CHILD"
    static let directoryVariable = "VHR_ALSA_DIR"

    static var childOutputPath: String? { ProcessInfo.processInfo.environment[outputVariable] }
    static var childDirectory: String? { ProcessInfo.processInfo.environment[directoryVariable] }

    static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/alsa/fakesteth.conf").path
    }

    /// Writes the fixture and `samples` into a fresh directory, runs the test `probe` of this
    /// binary in a child with the fakes configured, and returns what the probe wrote.
    static func runChild(probe: String, samples: [Int16], timeout: TimeInterval = 240) async throws -> Data {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-alsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = { (name: String) in directory.appendingPathComponent(name).path }
        let text = try String(contentsOfFile: fixture, encoding: .utf8)
        try text.replacingOccurrences(of: "@DIR@", with: directory.path)
            .write(toFile: file("fakesteth.conf"), atomically: true, encoding: .utf8)
        try "# vhr_late appears here during the test\n".write(
            toFile: file("late.conf"), atomically: true, encoding: .utf8)
        try samples.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: file("in.raw")))

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        child.arguments = ["--testing-library", "swift-testing", "--filter", probe]
        var environment = ProcessInfo.processInfo.environment
        environment["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(file("fakesteth.conf")):\(file("late.conf"))"
        environment[outputVariable] = file("report.json")
        environment[directoryVariable] = directory.path
        child.environment = environment
        guard FileManager.default.createFile(atPath: file("child.log"), contents: nil) else {
            throw ProbeError("cannot create \(file("child.log")) for the child's output")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file("child.log")))
        defer { try? handle.close() }
        child.standardOutput = handle
        child.standardError = handle
        try child.run()
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning {
            if Date() > deadline {
                child.terminate()
                child.waitUntilExit()
                throw ProbeError("the child probe \(probe) did not finish within \(Int(timeout)) s")
            }
            // Task.sleep, not Thread.sleep: a blocked cooperative thread stalls other tests.
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = (try? String(contentsOfFile: file("child.log"), encoding: .utf8)) ?? ""
        guard child.terminationStatus == 0 else {
            throw ProbeError("the child probe \(probe) exited with \(child.terminationStatus):\n\(log)")
        }
        guard let data = FileManager.default.contents(atPath: file("report.json")), !data.isEmpty else {
            throw ProbeError("the child probe \(probe) wrote nothing (did the filter select it?):\n\(log)")
        }
        return data
    }
}
