import CALSA
import Glibc

/// An ALSA capture PCM opened by name (`hw:CARD=Device,DEV=0`, `plughw:1,0`, a name from an
/// `asound.conf`), configured for interleaved S16_LE at a fixed rate, read with blocking reads.
///
/// Overruns and suspends are recovered here and reported as distinct read results, so the
/// capture loop can flag a discontinuity; a vanished device is a thrown `ALSAError` of kind
/// `.noDevice`, after which the only thing to do is `close` and open again.
///
/// One thread uses an instance at a time. It is `@unchecked Sendable` so that it can be opened
/// on one thread and handed, whole, to a capture thread; alsa-lib also serializes calls on a
/// PCM handle itself (its thread-safe mode, the default since 1.0.29).
public final class ALSAPCM: @unchecked Sendable {
    /// What to ask the device for.
    public struct Configuration: Sendable, Equatable {
        /// Interleaved channels per frame.
        public var channels: Int
        /// Frames per second; the device may give a different one (`Negotiated.rate`).
        public var rate: Int
        /// Frames per period: what one blocking read waits for.
        public var periodFrames: Int
        /// Periods in the device buffer: how long capture may go unread before an overrun.
        public var periods: Int

        public init(channels: Int, rate: Int, periodFrames: Int, periods: Int) {
            self.channels = channels
            self.rate = rate
            self.periodFrames = periodFrames
            self.periods = periods
        }
    }

    /// What the device agreed to; `periodFrames` and `bufferFrames` are the nearest it supports.
    public struct Negotiated: Sendable, Equatable {
        public var channels: Int
        public var rate: Int
        public var periodFrames: Int
        public var bufferFrames: Int
    }

    /// What one read gave.
    public enum ReadResult: Sendable, Equatable {
        /// Frames read into the start of the buffer (at least 1).
        case frames(Int)
        /// The device buffer overflowed because it was not read in time; capture was restarted
        /// and the frames in between are lost.
        case overrun
        /// The device was suspended (system sleep) and has been resumed or restarted; the frames
        /// in between are lost.
        case resumed
    }

    /// What a negative result of `snd_pcm_readi` calls for; see ``classify(readError:)``.
    public enum ReadErrorAction: Sendable, Equatable {
        /// `-EPIPE`: an overrun; `snd_pcm_recover` restarts capture.
        case recoverOverrun
        /// `-ESTRPIPE`: suspended; `snd_pcm_recover` resumes or restarts capture.
        case recoverSuspend
        /// `-EAGAIN`, `-EINTR`: nothing happened; read again.
        case retry
        /// `-ENODEV`, `-EBADFD`, `-ENXIO`, `-ENOENT`: the device is gone (unplugged); close and reopen.
        case deviceGone
        /// Anything else (`-EIO`, …): a failure; close and reopen.
        case fail
    }

    /// The name it was opened with.
    public let name: String
    /// The parameters the device accepted.
    public let negotiated: Negotiated

    private var handle: OpaquePointer?
    /// Preallocated, so that `captureTimestamp` never allocates.
    private let status: OpaquePointer
    /// Whether the device stamps status with CLOCK_MONOTONIC (set up in sw params).
    private let hasMonotonicTimestamps: Bool

    /// Opens the capture PCM `name` (blocking mode) and configures it: interleaved S16_LE,
    /// `configuration.channels` channels, the rate nearest `configuration.rate` (the actual one
    /// is in `negotiated`), periods and buffer nearest the asked sizes, CLOCK_MONOTONIC status
    /// timestamps when the device supports them; then prepares it.
    ///
    /// - Throws: `ALSAError`: kind `.noDevice` for an unknown name or a missing card,
    ///   `.permission` without access to `/dev/snd`, `.busy` when another program holds the
    ///   device, `.other` (`-EINVAL`) when the device cannot do the format or channel count.
    ///
    /// The corresponding C functions are `snd_pcm_open`, `snd_pcm_hw_params` and
    /// `snd_pcm_sw_params`.
    public init(name: String, configuration: Configuration) throws(ALSAError) {
        precondition(configuration.channels > 0 && configuration.rate > 0, "a PCM needs channels and a rate")
        precondition(configuration.periodFrames > 0 && configuration.periods >= 2, "a PCM needs at least 2 periods")
        self.name = name
        var status: OpaquePointer?
        guard snd_pcm_status_malloc(&status) >= 0, let status else {
            throw ALSAError(code: -ENOMEM, operation: "snd_pcm_status_malloc", card: name)
        }
        self.status = status
        var handle: OpaquePointer?
        let opened = snd_pcm_open(&handle, name, SND_PCM_STREAM_CAPTURE, 0)
        guard opened >= 0, let handle else {
            snd_pcm_status_free(status)
            throw ALSAError(code: opened, operation: "snd_pcm_open", card: name)
        }
        do throws(ALSAError) {
            negotiated = try Self.setHardwareParameters(handle, configuration, name: name)
            hasMonotonicTimestamps = Self.setSoftwareParameters(handle)
            let prepared = snd_pcm_prepare(handle)
            guard prepared >= 0 else { throw ALSAError(code: prepared, operation: "snd_pcm_prepare", card: name) }
        } catch {
            snd_pcm_close(handle)
            snd_pcm_status_free(status)
            throw error
        }
        self.handle = handle
    }

    deinit {
        close()
        snd_pcm_status_free(status)
    }

    /// Starts capture now. Optional: the first `read` starts a prepared PCM by itself.
    ///
    /// The corresponding C function is `snd_pcm_start`.
    public func start() throws(ALSAError) {
        let result = snd_pcm_start(try open("snd_pcm_start"))
        guard result >= 0 else { throw ALSAError(code: result, operation: "snd_pcm_start", card: name) }
    }

    /// Reads up to `buffer.count / channels` frames, blocking until a period is there.
    ///
    /// An overrun or suspend is recovered before returning `.overrun` or `.resumed`; the next
    /// read continues with fresh audio.
    ///
    /// - Throws: `ALSAError`, kind `.noDevice` when the device is gone (`-ENODEV`, `-EBADFD`),
    ///   or whatever else failed, recovery included. Close the PCM after any error.
    ///
    /// The corresponding C function is `snd_pcm_readi`.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws(ALSAError) -> ReadResult {
        let handle = try open("snd_pcm_readi")
        let frames = buffer.count / negotiated.channels
        precondition(frames > 0, "a read needs room for at least one frame")
        while true {
            let result = snd_pcm_readi(handle, buffer.baseAddress, snd_pcm_uframes_t(frames))
            if result > 0 { return .frames(Int(result)) }
            let code = Int32(truncatingIfNeeded: result == 0 ? Int(-EAGAIN) : result)
            switch Self.classify(readError: code) {
            case .retry:
                continue
            case .recoverOverrun, .recoverSuspend:
                // silent = 1: alsa-lib would otherwise print "overrun!!!" to stderr itself.
                let recovered = snd_pcm_recover(handle, code, 1)
                guard recovered >= 0 else {
                    throw ALSAError(code: recovered, operation: "snd_pcm_recover", card: name)
                }
                return code == -EPIPE ? .overrun : .resumed
            case .deviceGone:
                // EBADFD reads as "File descriptor in bad state"; what it means here is "gone".
                throw ALSAError(code: code == -EBADFD ? -ENODEV : code, operation: "snd_pcm_readi", card: name)
            case .fail:
                throw ALSAError(code: code, operation: "snd_pcm_readi", card: name)
            }
        }
    }

    /// What a negative `snd_pcm_readi` result calls for. The one place that reads the codes.
    public static func classify(readError code: Int32) -> ReadErrorAction {
        switch -code {
        case EPIPE: .recoverOverrun
        case ESTRPIPE: .recoverSuspend
        case EAGAIN, EINTR: .retry
        case ENODEV, EBADFD, ENXIO, ENOENT: .deviceGone
        default: .fail
        }
    }

    /// The CLOCK_MONOTONIC time, in nanoseconds, at which the first of the `frames` frames just
    /// read was captured, from the device's status timestamp and fill level: the status says
    /// when the hardware pointer was where, and `available` frames still wait behind the
    /// `frames` just read. `nil` when the device gives no monotonic timestamp.
    ///
    /// The corresponding C functions are `snd_pcm_status` and `snd_pcm_status_get_htstamp`.
    public func captureTimestamp(ofFramesJustRead frames: Int) -> Int64? {
        guard hasMonotonicTimestamps, let handle, snd_pcm_status(handle, status) >= 0 else { return nil }
        var stamp = snd_htimestamp_t()
        snd_pcm_status_get_htstamp(status, &stamp)
        guard stamp.tv_sec != 0 || stamp.tv_nsec != 0 else { return nil }
        let available = Int64(snd_pcm_status_get_avail(status))
        let behind = (available + Int64(frames)) * 1_000_000_000 / Int64(negotiated.rate)
        return Int64(stamp.tv_sec) * 1_000_000_000 + Int64(stamp.tv_nsec) - behind
    }

    /// Stops capture at once and closes the device; later calls do nothing.
    ///
    /// The corresponding C function is `snd_pcm_close`.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        snd_pcm_close(handle)
    }

    private func open(_ operation: String) throws(ALSAError) -> OpaquePointer {
        guard let handle else { throw ALSAError(code: -EBADFD, operation: operation, card: name) }
        return handle
    }

    /// The corresponding C functions are `snd_pcm_hw_params_any`, `…_set_access`,
    /// `…_set_format`, `…_set_channels`, `…_set_rate_near`, `…_set_period_size_near`,
    /// `…_set_buffer_size_near` and `snd_pcm_hw_params`.
    private static func setHardwareParameters(
        _ handle: OpaquePointer, _ configuration: Configuration, name: String
    ) throws(ALSAError) -> Negotiated {
        var parameters: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&parameters) >= 0, let parameters else {
            throw ALSAError(code: -ENOMEM, operation: "snd_pcm_hw_params_malloc", card: name)
        }
        defer { snd_pcm_hw_params_free(parameters) }
        func check(_ result: Int32, _ operation: String) throws(ALSAError) {
            guard result >= 0 else { throw ALSAError(code: result, operation: operation, card: name) }
        }
        try check(snd_pcm_hw_params_any(handle, parameters), "snd_pcm_hw_params_any")
        try check(
            snd_pcm_hw_params_set_access(handle, parameters, SND_PCM_ACCESS_RW_INTERLEAVED),
            "snd_pcm_hw_params_set_access")
        try check(
            snd_pcm_hw_params_set_format(handle, parameters, SND_PCM_FORMAT_S16_LE), "snd_pcm_hw_params_set_format")
        try check(
            snd_pcm_hw_params_set_channels(handle, parameters, UInt32(configuration.channels)),
            "snd_pcm_hw_params_set_channels")
        var rate = UInt32(configuration.rate)
        try check(snd_pcm_hw_params_set_rate_near(handle, parameters, &rate, nil), "snd_pcm_hw_params_set_rate_near")
        var period = snd_pcm_uframes_t(configuration.periodFrames)
        try check(
            snd_pcm_hw_params_set_period_size_near(handle, parameters, &period, nil),
            "snd_pcm_hw_params_set_period_size_near")
        var buffer = snd_pcm_uframes_t(configuration.periodFrames * configuration.periods)
        try check(
            snd_pcm_hw_params_set_buffer_size_near(handle, parameters, &buffer),
            "snd_pcm_hw_params_set_buffer_size_near")
        try check(snd_pcm_hw_params(handle, parameters), "snd_pcm_hw_params")
        return Negotiated(
            channels: configuration.channels, rate: Int(rate), periodFrames: Int(period), bufferFrames: Int(buffer))
    }

    /// Turns on CLOCK_MONOTONIC status timestamps; false if the device cannot.
    ///
    /// The corresponding C functions are `snd_pcm_sw_params_current`,
    /// `snd_pcm_sw_params_set_tstamp_mode`, `snd_pcm_sw_params_set_tstamp_type` and
    /// `snd_pcm_sw_params`.
    private static func setSoftwareParameters(_ handle: OpaquePointer) -> Bool {
        var parameters: OpaquePointer?
        guard snd_pcm_sw_params_malloc(&parameters) >= 0, let parameters else { return false }
        defer { snd_pcm_sw_params_free(parameters) }
        return snd_pcm_sw_params_current(handle, parameters) >= 0
            && snd_pcm_sw_params_set_tstamp_mode(handle, parameters, SND_PCM_TSTAMP_ENABLE) >= 0
            && snd_pcm_sw_params_set_tstamp_type(handle, parameters, SND_PCM_TSTAMP_TYPE_MONOTONIC) >= 0
            && snd_pcm_sw_params(handle, parameters) >= 0
    }
}
