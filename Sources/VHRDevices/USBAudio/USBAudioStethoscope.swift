import Synchronization
import VHRCore
import VHRSystem

/// A USB Audio Class stethoscope, or an analog one behind a USB sound card, captured through
/// ALSA (stethoscope-streaming.md §1.2): capture at the card's rate, decimate to the stream rate
/// behind an anti-aliasing FIR, filter in the clinician's listening mode, write to the sink.
///
/// The capture thread does one blocking read of a period (10 ms) at a time, so it never waits
/// for a reader; its buffers, the decimator and the filter are set up before the loop, which
/// then does not allocate. Each block is written with the CLOCK_MONOTONIC time of its first
/// sample: from the card's status timestamp when it has one, else the time after the read minus
/// the block's length, minus the decimator's delay (its group delay, 5.4 ms at 48→8 kHz).
///
/// Overruns and resumes after a suspend count in `overruns` (each is a gap in the stream). When
/// the device goes away the thread closes it and opens it again, with a backoff from 100 ms to
/// 5 s, until it is back or `stop()` is called; the decimator and filter restart from rest.
public final class USBAudioStethoscope: Stethoscope, StethoscopeFilterSwitching, CaptureHealthReporting {
    public let info: DeviceInfo
    /// Mono S16 at the stream rate.
    public let format: AudioFormat
    public let settings: Settings

    private let shared: Shared
    private let logger: Logger
    private let running = Mutex<Running?>(nil)

    private struct Running {
        let thread: DedicatedThread
        let flag: StopFlag
    }

    /// Checks the settings; opens nothing yet.
    ///
    /// - Throws: `DeviceError` `.invalidData` for a bad setting, naming it and its fix.
    public init(info: DeviceInfo, settings: Settings, logger: Logger = .discarding()) throws(DeviceError) {
        try settings.validate()
        self.info = info
        self.settings = settings
        self.logger = logger.with(["device": info.id])
        format = AudioFormat(sampleRate: settings.streamRate, channels: 1)
        shared = Shared(mode: settings.filterMode ?? .extended)
    }

    deinit {
        stop()
    }

    /// The listening mode now.
    public var filterMode: StethoscopeFilter.Mode { shared.mode.load(ordering: .relaxed) }

    /// Switches the listening mode; the capture thread picks it up at its next block.
    public func setFilter(_ mode: StethoscopeFilter.Mode) {
        // Relaxed: the mode is a single self-contained value, read once per block; nothing else
        // is published with it.
        shared.mode.store(mode, ordering: .relaxed)
    }

    /// Overruns and suspends since creation: each lost some audio, a discontinuity in the stream.
    public var overruns: Int { shared.overruns.load(ordering: .relaxed) }
    /// How often the device was opened again after it went away or failed.
    public var reopens: Int { shared.reopens.load(ordering: .relaxed) }
    /// Whether the device is open and being read now.
    public var isCapturing: Bool { shared.capturing.load(ordering: .relaxed) }
    /// The latest reason the device could not be opened or read, until it works again.
    public var lastError: DeviceError? { shared.lastError.withLock { $0 } }

    /// Opens the device and starts the capture thread writing to `sink`.
    ///
    /// A device that is not there (unplugged, or the card not yet enumerated at boot) does not
    /// fail: the thread waits for it, retrying with backoff, and `isCapturing` stays false.
    ///
    /// - Throws: `.busy` if already started; `.permissionDenied` without access to `/dev/snd`;
    ///   `.busy` when another program holds the device; `.notSupported` when the card cannot
    ///   capture at `captureRate`; `.read` for any other ALSA failure; `.internalError` if the
    ///   thread cannot be created.
    public func start(sink: any AudioSink) throws(DeviceError) {
        try running.withLock { (running: inout Running?) throws(DeviceError) in
            guard running == nil else {
                throw DeviceError(.busy, "stethoscope '\(info.id)' is already streaming", hint: "stop it first")
            }
            var pcm: ALSAPCM?
            do throws(DeviceError) {
                pcm = try Self.open(settings)
            } catch {
                guard error.code == .notFound else { throw error }
                shared.lastError.withLock { $0 = error }
                logger.warning("stethoscope not found; waiting for it", ["error": error.description])
            }
            let flag = StopFlag()
            let loop = CaptureLoop(settings: settings, sink: sink, shared: shared, logger: logger)
            let opened = pcm
            do {
                let thread = try DedicatedThread(name: "steth-\(info.id)") { loop.run(opened: opened, until: flag) }
                running = Running(thread: thread, flag: flag)
            } catch {
                pcm?.close()
                throw DeviceError(
                    .internalError, "cannot start the stethoscope capture thread: \(error)",
                    hint: "the system is out of threads or memory; restart vhrd")
            }
        }
    }

    /// Stops the capture thread, waits for it and closes the device; no `write` happens after
    /// this returns. The thread notices within one period (or one backoff step of 50 ms).
    public func stop() {
        guard let run = running.withLock({ running in running.take() }) else { return }
        // Relaxed: the thread only needs to see the flag eventually; join() orders the rest.
        run.flag.value.store(true, ordering: .relaxed)
        run.thread.join()
    }

    /// Opens and configures the capture device, as a `DeviceError` that says what to do.
    static func open(_ settings: Settings) throws(DeviceError) -> ALSAPCM {
        let configuration = ALSAPCM.Configuration(
            channels: settings.channels, rate: settings.captureRate, periodFrames: settings.periodFrames,
            periods: settings.periods)
        let pcm: ALSAPCM
        do {
            pcm = try ALSAPCM(name: settings.device, configuration: configuration)
        } catch {
            throw deviceError(error, device: settings.device)
        }
        guard pcm.negotiated.rate == settings.captureRate else {
            pcm.close()
            throw DeviceError(
                .notSupported,
                "\(settings.device) captures at \(pcm.negotiated.rate) Hz, not \(settings.captureRate) Hz",
                hint: "use plughw:… (it resamples), or set captureRate to \(pcm.negotiated.rate) and a streamRate "
                    + "dividing it")
        }
        return pcm
    }

    /// An ALSA failure as the device error the room reports, with what to do.
    public static func deviceError(_ error: ALSAError, device: String) -> DeviceError {
        let what = "stethoscope capture device \(device): \(error.message) (\(error.operation))"
        switch error.kind {
        case .noDevice:
            return DeviceError(
                .notFound, what,
                hint: "is the stethoscope plugged in? 'arecord -l' lists capture cards; check the profile's device")
        case .permission:
            return DeviceError(.permissionDenied, what, hint: "add the vhr user to group audio, which owns /dev/snd")
        case .busy:
            return DeviceError(.busy, what, hint: error.hint)
        default:
            return DeviceError(.read, what, hint: error.hint ?? "check the card with 'arecord -D \(device) -f S16_LE'")
        }
    }
}

/// What the stethoscope and its capture thread share: atomics only, plus the last error.
private final class Shared: Sendable {
    let mode: Atomic<StethoscopeFilter.Mode>
    let overruns = Atomic<Int>(0)
    let reopens = Atomic<Int>(0)
    let capturing = Atomic<Bool>(false)
    /// Set only when opening or reading fails, never per block.
    let lastError = Mutex<DeviceError?>(nil)

    init(mode: StethoscopeFilter.Mode) {
        self.mode = Atomic(mode)
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
    let settings: USBAudioStethoscope.Settings
    let sink: any AudioSink
    let shared: Shared
    let logger: Logger

    private static let firstBackoff: Int64 = 100_000_000
    private static let longestBackoff: Int64 = 5_000_000_000
    private static let nanosecondsPerSecond: Int64 = 1_000_000_000

    func run(opened: ALSAPCM?, until flag: StopFlag) {
        // Everything the loop needs, made before it runs.
        let decimator = FIRDecimator(factor: settings.factor, inputRate: settings.captureRate)
        let filter = StethoscopeFilter(sampleRate: settings.streamRate, mode: shared.mode.load(ordering: .relaxed))
        var buffers: Buffers?
        defer { buffers?.deallocate() }
        var pcm = opened
        var backoff = Self.firstBackoff
        var everOpened = false
        var reportedMissing = false

        while !flag.isSet {
            guard let device = pcm else {
                do {
                    pcm = try USBAudioStethoscope.open(settings)
                    if everOpened { shared.reopens.add(1, ordering: .relaxed) }
                    logger.notice("stethoscope capture device is open", ["capture": settings.device])
                    reportedMissing = false
                } catch {
                    shared.lastError.withLock { $0 = error }
                    if !reportedMissing { logger.warning("stethoscope not available", ["error": error.description]) }
                    reportedMissing = true
                    Self.sleep(backoff, unless: flag)
                    backoff = min(2 * backoff, Self.longestBackoff)
                }
                continue
            }
            if !everOpened || buffers?.periodFrames != device.negotiated.periodFrames {
                buffers?.deallocate()
                buffers = Buffers(periodFrames: device.negotiated.periodFrames, channels: settings.channels, decimator)
            }
            if everOpened {
                // A new stream after a gap: the old history would smear the gap.
                decimator.reset()
                filter.reset()
            }
            everOpened = true
            shared.lastError.withLock { $0 = nil }
            shared.capturing.store(true, ordering: .relaxed)
            let delivered = buffers.map { capture(device, $0, decimator, filter, until: flag) } ?? 0
            shared.capturing.store(false, ordering: .relaxed)
            device.close()
            pcm = nil
            // A device that worked for a while gets the short wait again; one that fails at
            // once keeps backing off, so a broken card is not reopened in a tight loop.
            if delivered > 0 { backoff = Self.firstBackoff }
            Self.sleep(backoff, unless: flag)
            backoff = min(2 * backoff, Self.longestBackoff)
        }
        pcm?.close()
    }

    /// Reads and delivers blocks until stopped or the device fails; returns the blocks read.
    private func capture(
        _ device: ALSAPCM, _ buffers: Buffers, _ decimator: FIRDecimator, _ filter: StethoscopeFilter,
        until flag: StopFlag
    ) -> Int {
        var blocks = 0
        let rate = Int64(device.negotiated.rate)
        let channels = settings.channels
        while !flag.isSet {
            let frames: Int
            do {
                switch try device.read(into: buffers.capture) {
                case .frames(let count): frames = count
                case .overrun, .resumed:
                    shared.overruns.add(1, ordering: .relaxed)
                    continue
                }
            } catch {
                let failure = USBAudioStethoscope.deviceError(error, device: settings.device)
                shared.lastError.withLock { $0 = failure }
                logger.warning("stethoscope capture stopped; reopening", ["error": failure.description])
                return blocks
            }
            blocks += 1
            let after = MonotonicClock.now()
            let length = Int64(frames) * Self.nanosecondsPerSecond / rate
            // The card's timestamp, if it is plausible (not after now, not older than a second
            // beyond the block); else the read's return minus the block.
            var first = after - length
            if let stamp = device.captureTimestamp(ofFramesJustRead: frames),
                stamp <= after, stamp >= after - length - Self.nanosecondsPerSecond
            {
                first = stamp
            }

            // Mono floats.
            let mono = buffers.mono
            if channels == 1 {
                for index in 0..<frames { mono[index] = Float(buffers.capture[index]) }
            } else {
                let scale = 1 / Float(channels)
                for index in 0..<frames {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += Float(buffers.capture[index * channels + channel]) }
                    mono[index] = sum * scale
                }
            }

            // The first output stands for input `offset` of this block, minus the filter's delay.
            let offset = Double(decimator.inputsUntilNextOutput) - decimator.groupDelay
            let count = decimator.process(
                input: UnsafeBufferPointer(rebasing: mono[0..<frames]), output: buffers.decimated)
            guard count > 0 else { continue }
            let block = UnsafeMutableBufferPointer(rebasing: buffers.decimated[0..<count])
            // Acquire is not needed: the mode is self-contained (see setFilter).
            filter.process(block, mode: shared.mode.load(ordering: .relaxed))
            for index in 0..<count {
                let value = block[index]
                buffers.output[index] = value.isNaN ? 0 : Int16(max(-32_768, min(32_767, value.rounded())))
            }
            let captureTime = first + Int64(offset * Double(Self.nanosecondsPerSecond) / Double(rate))
            sink.write(UnsafeBufferPointer(rebasing: buffers.output[0..<count]), captureTime: captureTime)
        }
        return blocks
    }

    /// Sleeps `duration` ns in steps of at most 50 ms, returning early once the flag is set.
    private static func sleep(_ duration: Int64, unless flag: StopFlag) {
        let deadline = MonotonicClock.now() + duration
        while !flag.isSet {
            let now = MonotonicClock.now()
            guard now < deadline else { return }
            MonotonicClock.sleep(until: min(deadline, now + 50_000_000))
        }
    }
}

/// The capture thread's buffers for one period size, allocated outside the real-time loop.
private struct Buffers {
    let periodFrames: Int
    let capture: UnsafeMutableBufferPointer<Int16>
    let mono: UnsafeMutableBufferPointer<Float>
    let decimated: UnsafeMutableBufferPointer<Float>
    let output: UnsafeMutableBufferPointer<Int16>

    init(periodFrames: Int, channels: Int, _ decimator: FIRDecimator) {
        self.periodFrames = periodFrames
        capture = .allocate(capacity: periodFrames * channels)
        capture.initialize(repeating: 0)
        mono = .allocate(capacity: periodFrames)
        mono.initialize(repeating: 0)
        let outputs = decimator.maximumOutputCount(forInputCount: periodFrames)
        decimated = .allocate(capacity: outputs)
        decimated.initialize(repeating: 0)
        output = .allocate(capacity: outputs)
        output.initialize(repeating: 0)
    }

    func deallocate() {
        capture.deallocate()
        mono.deallocate()
        decimated.deallocate()
        output.deallocate()
    }
}
