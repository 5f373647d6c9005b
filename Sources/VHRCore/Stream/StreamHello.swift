import Foundation

/// The JSON payload of a HELLO frame: what the stream is and how its clock maps to wall time.
///
/// On the wire the keys are snake_case: `{"proto":1,"stream_id":"…","format":"S16LE",
/// "rate":4000,"channels":1,"frame_ms":20,"device":"stethoscope","model":"…","filter":"bell",
/// "start_index":0,"clock":{"monotonic_ns":…,"realtime_ns":…}}`.
public struct StreamHello: Sendable, Equatable, Codable {
    /// The clock mapping taken at one instant, so a reader can turn a frame's `capture_ns`
    /// (CLOCK_MONOTONIC) into wall time and line audio up with video.
    public struct Clock: Sendable, Equatable, Codable {
        public var monotonicNs: Int64
        public var realtimeNs: Int64

        public init(monotonicNs: Int64, realtimeNs: Int64) {
            self.monotonicNs = monotonicNs
            self.realtimeNs = realtimeNs
        }

        enum CodingKeys: String, CodingKey {
            case monotonicNs = "monotonic_ns"
            case realtimeNs = "realtime_ns"
        }
    }

    /// The protocol version, 1.
    public var proto: Int
    /// New for every device session; sample indices count from the start of it.
    public var streamID: UUID
    /// `S16LE`.
    public var format: String
    /// Sample rate in Hz.
    public var rate: Int
    public var channels: Int
    /// The nominal duration of one AUDIO frame.
    public var frameMilliseconds: Int
    /// The room-local device id, such as `stethoscope`.
    public var device: String
    /// The device model's human name.
    public var model: String
    /// The device's own filter (`bell`, `diaphragm`, …) when it reports one.
    public var filter: String?
    /// The `sample_index` of the first AUDIO frame this client will receive.
    public var startIndex: UInt64
    public var clock: Clock

    public init(
        proto: Int = 1, streamID: UUID, format: String = AudioFormat.SampleFormat.s16le.rawValue, rate: Int,
        channels: Int, frameMilliseconds: Int, device: String, model: String, filter: String? = nil,
        startIndex: UInt64, clock: Clock
    ) {
        self.proto = proto
        self.streamID = streamID
        self.format = format
        self.rate = rate
        self.channels = channels
        self.frameMilliseconds = frameMilliseconds
        self.device = device
        self.model = model
        self.filter = filter
        self.startIndex = startIndex
        self.clock = clock
    }

    /// The audio format announced, when it is one this build knows.
    public var audioFormat: AudioFormat? {
        guard let sampleFormat = AudioFormat.SampleFormat(rawValue: format), rate > 0, channels > 0 else {
            return nil
        }
        return AudioFormat(sampleRate: rate, channels: channels, sampleFormat: sampleFormat)
    }

    /// The hello as JSON, ready for ``StreamFrame/init(header:json:)``.
    public var jsonValue: JSONValue {
        // Encoding plain strings and integers cannot fail.
        try! JSONValue(encoding: self)
    }

    enum CodingKeys: String, CodingKey {
        case proto
        case streamID = "stream_id"
        case format, rate, channels
        case frameMilliseconds = "frame_ms"
        case device, model, filter
        case startIndex = "start_index"
        case clock
    }
}
