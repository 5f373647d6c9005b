import Foundation

/// What a few seconds of stethoscope audio say about the input itself (not the patient): the
/// noise floor, the level and peak, and how much of it clips.
///
/// The *noise floor* is the 10th percentile of the RMS levels of 20 ms hops: heart sounds come
/// in beats with quiet between them, so a tenth of the hops are the input's own noise; a
/// hissing cable or a broken preamplifier raises every hop, and so the floor. The 90th-percentile
/// hop is where the beats are: between the two lies the sounds' *dynamic range*, which noise
/// flattens (white noise has every hop at the same level, a range of a decibel or two).
public struct CaptureAnalysis: Sendable {
    /// Levels are in dBFS against full scale 32768; digital silence reads this.
    public static let silenceDBFS = -120.0

    /// The figures of one capture.
    public struct Result: Sendable, Equatable {
        /// Frames analysed.
        public var frames: Int
        /// RMS level of the 10th-percentile hop, dBFS.
        public var noiseFloorDBFS: Double
        /// RMS level of the 90th-percentile hop, dBFS: where the heart sounds are.
        public var loudDBFS: Double
        /// RMS level of everything, dBFS.
        public var levelDBFS: Double
        /// Largest magnitude, dBFS.
        public var peakDBFS: Double
        /// Share of samples at full scale (±32767 or -32768), 0…1.
        public var clipRatio: Double

        public init(
            frames: Int, noiseFloorDBFS: Double, loudDBFS: Double, levelDBFS: Double, peakDBFS: Double,
            clipRatio: Double
        ) {
            self.frames = frames
            self.noiseFloorDBFS = noiseFloorDBFS
            self.loudDBFS = loudDBFS
            self.levelDBFS = levelDBFS
            self.peakDBFS = peakDBFS
            self.clipRatio = clipRatio
        }
    }

    /// Samples per hop: 20 ms of frames, times the channels.
    public let hopSamples: Int
    private var hopEnergies: [Double] = []
    private var hopSum = 0.0
    private var hopCount = 0
    private var totalSum = 0.0
    private var samples = 0
    private var clipped = 0
    private var peak = 0
    private let channels: Int

    public init(format: AudioFormat) {
        channels = format.channels
        hopSamples = max(1, format.sampleRate / 50) * format.channels
    }

    /// Adds interleaved samples; any split into calls gives the same result.
    public mutating func process(_ block: UnsafeBufferPointer<Int16>) {
        for sample in block {
            let value = Int(sample)
            let magnitude = abs(value)
            if magnitude > peak { peak = magnitude }
            if value >= Int(Int16.max) || value == Int(Int16.min) { clipped += 1 }
            let energy = Double(value * value)
            hopSum += energy
            totalSum += energy
            hopCount += 1
            if hopCount == hopSamples {
                hopEnergies.append(hopSum / Double(hopSamples))
                hopSum = 0
                hopCount = 0
            }
        }
        samples += block.count
    }

    /// Adds samples from an array (tests and small callers).
    public mutating func process(_ block: [Int16]) {
        block.withUnsafeBufferPointer { process($0) }
    }

    /// The figures so far; a capture shorter than one hop has its floor taken from all of it.
    public var result: Result {
        var energies = hopEnergies.sorted()
        if energies.isEmpty, hopCount > 0 { energies = [hopSum / Double(hopCount)] }
        let floor = energies.isEmpty ? 0 : energies[min(energies.count - 1, energies.count / 10)]
        let loud = energies.isEmpty ? 0 : energies[min(energies.count - 1, energies.count * 9 / 10)]
        return Result(
            frames: samples / channels, noiseFloorDBFS: Self.dbfs(meanSquare: floor),
            loudDBFS: Self.dbfs(meanSquare: loud),
            levelDBFS: Self.dbfs(meanSquare: samples == 0 ? 0 : totalSum / Double(samples)),
            peakDBFS: Self.dbfs(meanSquare: Double(peak * peak)),
            clipRatio: samples == 0 ? 0 : Double(clipped) / Double(samples))
    }

    /// A mean square of raw samples in dBFS, `silenceDBFS` for zero.
    static func dbfs(meanSquare: Double) -> Double {
        guard meanSquare > 0 else { return silenceDBFS }
        return max(silenceDBFS, 10 * log10(meanSquare / (32768.0 * 32768.0)))
    }
}
