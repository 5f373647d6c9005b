import Foundation
import Synchronization
import VHRCore
import VHRSystem

/// A stethoscope with no hardware: it plays a bundled recording, a WAV file or a synthetic
/// phonocardiogram in real time, through the same `Stethoscope` interface a real device has.
///
/// A capture thread writes one block every `blockMilliseconds`, paced by absolute deadlines on
/// the monotonic clock. Frame k since `start` is written with capture time `start + k / rate`;
/// a recording loops seamlessly (frame k is recording frame k mod N). If the thread wakes late
/// it writes every overdue frame at once, so the timeline never slips.
public final class SimulatedStethoscope: Stethoscope {
    /// What the simulated stethoscope plays.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// A recording bundled with vhr, by name without `.wav`, e.g. `physionet2016_c0003_normal`.
        case recording(String)
        /// A 16-bit PCM WAV file, by path.
        case file(String)
        /// A synthetic heart sound (`HeartSoundSynthesizer`).
        case synthetic(sampleRate: Int, heartRate: Double, murmur: Bool, seed: UInt64)

        /// The synthetic source with its defaults: 4000 Hz, 72 bpm, no murmur, seed 0.
        public static let defaultSynthetic = Source.synthetic(sampleRate: 4000, heartRate: 72, murmur: false, seed: 0)

        /// The configuration form, which `parseSource` reads back.
        public var description: String {
            switch self {
            case .recording(let name): "recording:\(name)"
            case .file(let path): "file:\(path)"
            case .synthetic(let sampleRate, let heartRate, let murmur, let seed):
                "synthetic:rate=\(sampleRate),bpm=\(Self.format(heartRate)),murmur=\(murmur ? 1 : 0),seed=\(seed)"
            }
        }

        private static func format(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
    }

    public let info: DeviceInfo
    public let format: AudioFormat
    public let source: Source
    /// How often the capture thread writes, in milliseconds.
    public let blockMilliseconds: Int

    fileprivate enum Content: Sendable {
        case samples([Int16])
        case synthesizer(HeartSoundSynthesizer)
    }

    private let content: Content

    private struct Running {
        let thread: DedicatedThread
        let flag: StopFlag
    }

    private let running = Mutex<Running?>(nil)

    private static let sourceHint =
        "use recording:NAME, file:/path/to/file.wav, or synthetic[:rate=4000,bpm=72,murmur=0,seed=0]"
    private static let convertHint = "convert it with 'sox in.wav -b 16 -e signed-integer out.wav'"

    /// Prepares the source: loads and checks the recording, or sets up the synthesizer.
    ///
    /// - Throws: `.notFound` if the recording or file is missing, `.invalidData` if it is not
    ///   16-bit PCM WAV or the synthetic parameters or block size are out of range.
    public init(info: DeviceInfo, source: Source, blockMilliseconds: Int = 10) throws(DeviceError) {
        guard (1...1000).contains(blockMilliseconds) else {
            throw DeviceError(
                .invalidData, "stethoscope block size \(blockMilliseconds) ms is out of range",
                hint: "use 1 to 1000 ms; 10 to 20 ms suits streaming")
        }
        self.info = info
        self.source = source
        self.blockMilliseconds = blockMilliseconds
        switch source {
        case .recording(let name):
            // A bundled name is a bare file name: never a path out of the bundle.
            guard !name.contains("/"),
                let url = Self.recordingsDirectory?.appendingPathComponent(name + ".wav"),
                FileManager.default.fileExists(atPath: url.path)
            else {
                throw DeviceError(
                    .notFound, "no bundled stethoscope recording named '\(name)'",
                    hint: "use one of: \(Self.bundledRecordings.joined(separator: ", ")); or file:/path/to/file.wav")
            }
            let wav = try Self.load(url)
            format = wav.format
            content = .samples(wav.samples)
        case .file(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw DeviceError(
                    .notFound, "stethoscope recording file \(path) does not exist",
                    hint: "check the path in the room configuration, or use a bundled recording:NAME")
            }
            let wav = try Self.load(URL(fileURLWithPath: path))
            format = wav.format
            content = .samples(wav.samples)
        case .synthetic(let sampleRate, let heartRate, let murmur, let seed):
            guard HeartSoundSynthesizer.sampleRates.contains(sampleRate) else {
                throw DeviceError(
                    .invalidData, "synthetic stethoscope rate \(sampleRate) Hz is out of range",
                    hint: "use a rate from \(HeartSoundSynthesizer.sampleRates.lowerBound) to "
                        + "\(HeartSoundSynthesizer.sampleRates.upperBound) Hz, e.g. 4000")
            }
            guard HeartSoundSynthesizer.heartRates.contains(heartRate) else {
                throw DeviceError(
                    .invalidData, "synthetic heart rate \(heartRate) bpm is out of range",
                    hint: "use \(Int(HeartSoundSynthesizer.heartRates.lowerBound)) to "
                        + "\(Int(HeartSoundSynthesizer.heartRates.upperBound)) bpm")
            }
            let synthesizer = HeartSoundSynthesizer(
                sampleRate: sampleRate, heartRate: heartRate, murmur: murmur, seed: seed)
            format = synthesizer.format
            content = .synthesizer(synthesizer)
        }
    }

    deinit {
        stop()
    }

    /// The names of the bundled recordings, sorted, for `Source.recording`.
    public static var bundledRecordings: [String] {
        guard let directory = recordingsDirectory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".wav") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Where the bundled recordings are: in SwiftPM's resource bundle beside the executable (a
    /// build), else in `share/vhr/recordings` beside its `bin` (what `make install` puts there).
    ///
    /// Not `Bundle.module`: its accessor stops the process when the bundle cannot be opened (an
    /// installed vhrd has no build directory; an `open` that fails), and a missing recording is
    /// an error for the configuration to report, not a crash of the room.
    private static var recordingsDirectory: URL? {
        guard let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() else { return nil }
        let directory = executable.deletingLastPathComponent()
        let candidates = [
            directory.appendingPathComponent("vhr_VHRDevices.resources/Recordings"),
            directory.deletingLastPathComponent().appendingPathComponent("share/vhr/recordings"),
        ]
        return candidates.first { candidate in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    /// Reads a source from the room configuration.
    ///
    /// Accepted forms: `recording:NAME`, `file:/path/to/file.wav`, `synthetic`, and
    /// `synthetic:` followed by any of `rate=HZ`, `bpm=N`, `murmur=0|1`, `seed=N`, comma-separated.
    public static func parseSource(_ text: String) throws(DeviceError) -> Source {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let (scheme, argument) =
            if let colon = trimmed.firstIndex(of: ":") {
                (String(trimmed[..<colon]), Optional(String(trimmed[trimmed.index(after: colon)...])))
            } else {
                (trimmed, String?.none)
            }
        switch scheme {
        case "recording":
            guard let name = argument, !name.isEmpty else { throw invalid(text, "a recording needs a name") }
            return .recording(name)
        case "file":
            guard let path = argument, !path.isEmpty else { throw invalid(text, "a file source needs a path") }
            return .file(path)
        case "synthetic":
            return try parseSynthetic(argument ?? "", text: text)
        default:
            throw invalid(text, "unknown source kind '\(scheme)'")
        }
    }

    private static func parseSynthetic(_ arguments: String, text: String) throws(DeviceError) -> Source {
        guard case .synthetic(var sampleRate, var heartRate, var murmur, var seed) = Source.defaultSynthetic else {
            preconditionFailure("the default synthetic source is synthetic")
        }
        var seen: Set<String> = []
        for pair in arguments.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw invalid(text, "'\(pair)' is not key=value") }
            let (key, value) = (parts[0], parts[1])
            guard seen.insert(key).inserted else { throw invalid(text, "'\(key)' is given twice") }
            switch key {
            case "rate":
                guard let parsed = Int(value), parsed > 0 else {
                    throw invalid(text, "rate '\(value)' is not a rate in Hz")
                }
                sampleRate = parsed
            case "bpm":
                guard let parsed = Double(value), parsed.isFinite, parsed > 0 else {
                    throw invalid(text, "bpm '\(value)' is not a heart rate")
                }
                heartRate = parsed
            case "murmur":
                switch value {
                case "1", "true", "yes": murmur = true
                case "0", "false", "no": murmur = false
                default: throw invalid(text, "murmur '\(value)' is not 0 or 1")
                }
            case "seed":
                guard let parsed = UInt64(value) else { throw invalid(text, "seed '\(value)' is not a whole number") }
                seed = parsed
            default:
                throw invalid(text, "unknown synthetic setting '\(key)'")
            }
        }
        return .synthetic(sampleRate: sampleRate, heartRate: heartRate, murmur: murmur, seed: seed)
    }

    private static func invalid(_ text: String, _ reason: String) -> DeviceError {
        DeviceError(.invalidData, "stethoscope source '\(text)' is not understood: \(reason)", hint: sourceHint)
    }

    private static func load(_ url: URL) throws(DeviceError) -> WAVFile {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw DeviceError(
                .read, "cannot read stethoscope recording \(url.path): \(error.localizedDescription)",
                hint: "check that the file is readable by the vhrd user")
        }
        let wav: WAVFile
        do {
            wav = try WAVFile(bytes: bytes)
        } catch {
            throw DeviceError(
                .invalidData, "\(url.path) is not a usable 16-bit PCM WAV file: \(error)", hint: convertHint)
        }
        guard wav.frameCount > 0 else {
            throw DeviceError(
                .invalidData, "\(url.path) holds no samples", hint: "use a recording at least a second long")
        }
        return wav
    }

    /// Starts the capture thread writing to `sink`.
    ///
    /// Each start plays from the beginning: frame 0 of the recording, or the synthesizer's seed.
    ///
    /// - Throws: `.busy` if already started; `.internalError` if the thread cannot be created.
    public func start(sink: any AudioSink) throws(DeviceError) {
        try running.withLock { (running: inout Running?) throws(DeviceError) in
            guard running == nil else {
                throw DeviceError(.busy, "stethoscope '\(info.id)' is already streaming", hint: "stop it first")
            }
            // A fresh flag per run: a late stop of an old run can never stop a new one.
            let flag = StopFlag()
            // The timeline starts now, not when the thread gets to run: frame 0 is captured at
            // the moment of this call.
            let loop = CaptureLoop(
                content: content, format: format, blockMilliseconds: blockMilliseconds, sink: sink,
                start: MonotonicClock.now())
            do {
                let thread = try DedicatedThread(name: "steth-\(info.id)") { loop.run(until: flag) }
                running = Running(thread: thread, flag: flag)
            } catch {
                throw DeviceError(
                    .internalError, "cannot start the stethoscope capture thread: \(error)",
                    hint: "the system is out of threads or memory; restart vhrd")
            }
        }
    }

    /// Stops the capture thread and waits for it; no `write` happens after this returns.
    public func stop() {
        // Take the run out under the lock and join outside it, so a slow join never holds the lock.
        guard let run = running.withLock({ running in running.take() }) else { return }
        // Relaxed: the thread only needs to see the flag eventually; join() orders everything
        // the thread did before this function returns.
        run.flag.value.store(true, ordering: .relaxed)
        run.thread.join()
    }
}

/// Tells one run of the capture thread to finish.
private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// The capture thread's work. It holds no reference to the stethoscope, so releasing the
/// stethoscope (whose deinit stops the thread) is never prevented by the thread itself.
private struct CaptureLoop: Sendable {
    let content: SimulatedStethoscope.Content
    let format: AudioFormat
    let blockMilliseconds: Int
    let sink: any AudioSink
    /// CLOCK_MONOTONIC ns at which frame 0 is captured.
    let start: Int64

    private static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    func run(until flag: StopFlag) {
        let rate = UInt64(format.sampleRate)
        let blockFrames = max(1, UInt64(format.sampleRate * blockMilliseconds / 1000))
        let channels = format.channels
        var written: UInt64 = 0  // frames since start; frame k is captured at start + k / rate

        /// Time from `start` to frame `frames`, rounded down or up to the nanosecond.
        func offset(_ frames: UInt64, roundingUp: Bool = false) -> Int64 {
            let scaled = (frames % rate) * Self.nanosecondsPerSecond
            let fraction = scaled / rate + (roundingUp && scaled % rate != 0 ? 1 : 0)
            return Int64(frames / rate * Self.nanosecondsPerSecond + fraction)
        }

        /// Frames whose capture time has come by `now`.
        func framesDue(at now: Int64) -> UInt64 {
            let elapsed = UInt64(max(0, now - start))
            return elapsed / Self.nanosecondsPerSecond * rate
                + elapsed % Self.nanosecondsPerSecond * rate / Self.nanosecondsPerSecond
        }

        /// Sleeps until the next block is complete, then writes every complete block (more than
        /// one if the thread woke late), each as `write(frames, captureTime)`.
        func pace(_ write: (UInt64, Int64) -> Void) {
            while !flag.isSet {
                MonotonicClock.sleep(until: start + offset(written + blockFrames, roundingUp: true))
                let due = framesDue(at: MonotonicClock.now())
                while written + blockFrames <= due && !flag.isSet {
                    write(blockFrames, start + offset(written))
                    written += blockFrames
                }
            }
        }

        switch content {
        case .samples(let samples):
            samples.withUnsafeBufferPointer { samples in
                let length = UInt64(samples.count / channels)
                pace { frames, _ in
                    // Loop seamlessly: a block that crosses the end is written in two parts.
                    var frame = written
                    var remaining = frames
                    while remaining > 0 {
                        let position = frame % length
                        let count = min(remaining, length - position)
                        let part = UnsafeBufferPointer(
                            rebasing: samples[Int(position) * channels..<Int(position + count) * channels])
                        sink.write(part, captureTime: start + offset(frame))
                        frame += count
                        remaining -= count
                    }
                }
            }
        case .synthesizer(var synthesizer):
            // Allocated once, before the real-time loop.
            let block = UnsafeMutableBufferPointer<Int16>.allocate(capacity: Int(blockFrames) * channels)
            defer { block.deallocate() }
            pace { _, captureTime in
                synthesizer.render(into: block)
                sink.write(UnsafeBufferPointer(block), captureTime: captureTime)
            }
        }
    }
}
