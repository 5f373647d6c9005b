import Dispatch
import Foundation
import Synchronization
import VHRCore
import VHRSystem

/// Live signal quality for the clinician: reads the stethoscope ring as one more fan-out
/// reader, on its own queue and schedule, and publishes a `steth.quality` event (class
/// readings) every `interval`, keeping the latest for the control socket's `readings` method.
///
/// Capture never waits for it: it only reads the ring, and a monitor that falls behind loses
/// the oldest audio like any other reader.
public final class SignalQualityMonitor: Sendable {
    public struct Settings: Sendable {
        /// How often a reading is made and published.
        public var intervalSeconds = 1.0
        /// How much audio a reading covers.
        public var windowSeconds = 5.0
        /// Less audio than this since start (or a reset) gives no reading yet.
        public var minimumSeconds = 1.0

        public init() {}
    }

    private let queue = DispatchQueue(label: "vhr.quality", qos: .utility)
    private let ring: SampleRing
    private let device: String
    private let events: EventHub?
    private let logger: Logger
    private let settings: Settings
    private let state: QueueConfined<State>
    private let latestFields = Mutex<[String: JSONValue]?>(nil)
    /// Samples are read from the ring into this buffer, then analyzed.
    // nonisolated(unsafe): only touched on `queue`, inside `update`.
    private nonisolated(unsafe) let buffer: UnsafeMutableBufferPointer<Int16>

    private struct State {
        var analyzer: SignalQuality
        var cursor: UInt64 = 0
        /// The first sample the analyzer's window can hold: nothing older is reported.
        var firstIndex: UInt64 = 0
        var timer: (any DispatchSourceTimer)?
    }

    /// - Parameters:
    ///   - device: The stethoscope's room name, carried in every reading.
    ///   - events: Where `steth.quality` goes (class readings).
    public init(
        ring: SampleRing, device: String, events: EventHub?, logger: Logger, settings: Settings = Settings()
    ) {
        self.ring = ring
        self.device = device
        self.events = events
        self.logger = logger
        self.settings = settings
        let analyzer = SignalQuality(format: ring.format, windowSeconds: settings.windowSeconds)
        buffer = .allocate(capacity: 4096 * ring.format.channels)
        state = QueueConfined(State(analyzer: analyzer), queue: queue)
    }

    deinit {
        buffer.deallocate()
    }

    /// Starts reading, from the last `windowSeconds` already in the ring, so the first reading
    /// comes after one interval.
    public func start() {
        queue.async { [self] in
            let live = ring.writeIndex
            let window = UInt64(settings.windowSeconds * Double(ring.format.sampleRate))
            state.value.cursor = live - min(live, window)
            state.value.firstIndex = state.value.cursor
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let period = DispatchTimeInterval.milliseconds(max(1, Int(settings.intervalSeconds * 1000)))
            timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(20))
            timer.setEventHandler { [self] in update() }
            state.value.timer = timer
            timer.resume()
        }
    }

    public func stop() {
        queue.sync {
            state.value.timer?.cancel()
            state.value.timer = nil
        }
    }

    /// Forgets the audio heard so far and the latest reading (the visit ended): nothing of one
    /// patient is shown to the next. Readings start again from the live edge.
    public func reset() {
        queue.sync {
            state.value.analyzer.reset()
            state.value.cursor = ring.writeIndex
            state.value.firstIndex = state.value.cursor
            latestFields.withLock { $0 = nil }
        }
    }

    /// The latest reading as the `steth.quality` event's fields, or `nil` if there is none yet.
    public var latest: JSONValue? {
        latestFields.withLock { $0 }.map { .object($0) }
    }

    /// Reads what the ring has gained, analyzes it and publishes a reading.
    private func update() {
        let live = ring.writeIndex
        var cursor = state.value.cursor
        var analyzed = 0
        while cursor < live {
            let result = ring.read(from: cursor, into: buffer)
            if result.lost > 0 {
                logger.debug("signal quality lost audio", ["samples": String(result.lost)])
            }
            cursor = result.firstIndex + UInt64(result.count)
            guard result.count > 0 else { break }
            state.value.analyzer.process(
                UnsafeBufferPointer(rebasing: buffer[0..<(result.count * ring.format.channels)]))
            analyzed += result.count
        }
        state.value.cursor = cursor
        // No new audio (the stethoscope is stopped): the last reading stands, nothing is repeated.
        guard analyzed > 0, state.value.analyzer.seconds >= settings.minimumSeconds,
            let reading = state.value.analyzer.reading()
        else { return }
        let span = UInt64(reading.seconds * Double(ring.format.sampleRate))
        let fields = Self.fields(
            of: reading, device: device, from: max(state.value.firstIndex, cursor - min(cursor, span)), to: cursor,
            at: Date())
        latestFields.withLock { $0 = fields }
        events?.publish(ControlEvent(name: "steth.quality", fields: fields), class: .readings)
    }

    /// A reading as event fields: levels to 0.1 dB, the clip ratio to 0.0001, the rate to 1 bpm.
    static func fields(
        of reading: SignalQuality.Reading, device: String, from: UInt64, to: UInt64, at time: Date
    ) -> [String: JSONValue] {
        // Multiplying and dividing by a power of ten gives the nearest double to the decimal.
        func rounded(_ value: Double, _ scale: Double) -> JSONValue { .double((value * scale).rounded() / scale) }
        return [
            "device": .string(device),
            "level_dbfs": rounded(reading.levelDBFS, 10),
            "peak_dbfs": rounded(reading.peakDBFS, 10),
            "clip_ratio": rounded(reading.clipRatio, 10000),
            "low_band_dbfs": rounded(reading.lowBandDBFS, 10),
            "contact": .bool(reading.contact),
            "handling_noise": .bool(reading.handlingNoise),
            "heart_rate_bpm": reading.heartRateBPM.map { .int(Int64($0.rounded())) } ?? .null,
            "window_s": rounded(reading.seconds, 100),
            "from_index": .int(Int64(from)),
            "to_index": .int(Int64(to)),
            "time": .string(time.ISO8601Format()),
        ]
    }
}
