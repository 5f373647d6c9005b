/// The format of a stethoscope stream: interleaved signed 16-bit little-endian samples.
///
/// Only S16LE is produced today; the field exists so the stream protocol and readers can
/// tell, and refuse, anything else.
public struct AudioFormat: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum SampleFormat: String, Sendable, Codable {
        case s16le = "S16LE"
    }

    public var sampleRate: Int
    public var channels: Int
    public var sampleFormat: SampleFormat

    public init(sampleRate: Int, channels: Int = 1, sampleFormat: SampleFormat = .s16le) {
        precondition(sampleRate > 0 && channels > 0, "an audio format needs a positive rate and channel count")
        self.sampleRate = sampleRate
        self.channels = channels
        self.sampleFormat = sampleFormat
    }

    public var bytesPerFrame: Int { 2 * channels }

    public var description: String { "\(sampleFormat.rawValue) \(sampleRate) Hz \(channels) ch" }
}
