import Foundation

/// A deterministic synthetic phonocardiogram, realistic enough to stand in for a stethoscope.
///
/// The model (research note stethoscope-streaming.md §4.3) is what a heart-rate estimator and a
/// listener need: broadband, impulsive heart sounds rather than pure tones.
/// - S1 = M1 + T1 (T1 25 ms later), S2 = A2 + P2 (split by 30 ms); each component is a sum of
///   exponentially damped sinusoids with an abrupt onset.
/// - Systole is about 300 ms at 72 bpm and shortens with the square root of the RR interval.
/// - Each beat's RR interval varies by up to ±4 % and its loudness by up to ±5 %.
/// - A low-passed noise floor about 40 dB below S1.
/// - Optionally a systolic murmur: noise through a band-pass biquad (250 Hz, Q 0.7) under a
///   crescendo–decrescendo envelope from S1 + 60 ms to S2 − 20 ms.
///
/// The same seed always gives the same samples, however the output is split into buffers.
public struct HeartSoundSynthesizer: Sendable {
    /// Sample rates the model is defined for: the highest component (220 Hz) and the murmur
    /// band need a Nyquist frequency well above them.
    public static let sampleRates: ClosedRange<Int> = 1000...192_000
    /// Heart rates the model is defined for; above 240 bpm the heart sounds would overlap.
    public static let heartRates: ClosedRange<Double> = 30...240

    public let sampleRate: Int
    public let heartRate: Double
    public let murmur: Bool
    public let seed: UInt64

    /// The format `render` produces: mono S16 at `sampleRate`.
    public var format: AudioFormat { AudioFormat(sampleRate: sampleRate) }

    // Precomputed in init so that `render` only does arithmetic.
    private let s1: [Float]
    private let s2: [Float]
    private let s2Start: Int
    private let murmurStart: Int
    private let murmurEnvelope: [Float]
    private let meanBeatLength: Double
    private let noiseInputScale: Float
    private let noiseCoefficient: Float
    private let murmurFilter: BandPass
    private let murmurScale: Float

    // Running state.
    private var random: SplitMix64
    private var position = 0
    private var beatLength = 0
    private var beatGain: Float = 1
    private var noiseState: Float = 0
    private var murmurState = BandPass.State()

    /// Creates a synthesizer.
    ///
    /// - Parameters:
    ///   - sampleRate: Output rate in Hz, within `sampleRates`.
    ///   - heartRate: Mean heart rate in beats per minute, within `heartRates`.
    ///   - murmur: Adds a systolic murmur.
    ///   - seed: Chooses the beat-to-beat variation and the noise.
    public init(sampleRate: Int = 4000, heartRate: Double = 72, murmur: Bool = false, seed: UInt64 = 0) {
        precondition(Self.sampleRates.contains(sampleRate), "synthetic PCG needs a rate in \(Self.sampleRates) Hz")
        precondition(Self.heartRates.contains(heartRate), "synthetic PCG needs a heart rate in \(Self.heartRates)")
        self.sampleRate = sampleRate
        self.heartRate = heartRate
        self.murmur = murmur
        self.seed = seed
        self.random = SplitMix64(seed: seed)

        let rate = Double(sampleRate)
        let fullScale = 32767.0
        let meanRR = 60 / heartRate
        meanBeatLength = meanRR * rate
        let systole = min(0.3 * (meanRR / (60.0 / 72)).squareRoot(), 0.45 * meanRR)
        s2Start = Int(systole * rate)

        // (frequency Hz, decay time constant s, relative amplitude)
        let s1Components = [(45.0, 0.012, 1.0), (90.0, 0.008, 0.7), (150.0, 0.004, 0.45)]
        let s2Components = [(70.0, 0.008, 1.0), (140.0, 0.005, 0.6), (220.0, 0.003, 0.4)]
        s1 = Self.sound(
            first: s1Components, second: s1Components.map { ($0.0 * 1.1, $0.1, $0.2 * 0.6) }, delay: 0.025,
            duration: 0.1, rate: rate, peak: 0.45 * fullScale)
        s2 = Self.sound(
            first: s2Components, second: s2Components.map { ($0.0 * 1.15, $0.1, $0.2 * 0.55) }, delay: 0.03,
            duration: 0.08, rate: rate, peak: 0.35 * fullScale)

        // Background: a one-pole low-pass (150 Hz) of unit white noise, scaled so its RMS sits
        // 40 dB below S1's peak. A one-pole filter passes a/(2-a) of the input variance.
        let noiseCoefficient = 1 - exp(-2 * Double.pi * 150 / rate)
        self.noiseCoefficient = Float(noiseCoefficient)
        noiseInputScale = Float(0.45 * fullScale * 0.01 * ((2 - noiseCoefficient) / noiseCoefficient).squareRoot())

        // Murmur: from S1 + 60 ms to S2 - 20 ms, sin() crescendo-decrescendo.
        murmurStart = Int(0.06 * rate)
        let murmurLength = max(0, s2Start - Int(0.02 * rate) - murmurStart)
        murmurEnvelope = (0..<murmurLength).map { Float(sin(Double.pi * Double($0) / Double(murmurLength))) }
        murmurFilter = BandPass(center: min(250, 0.45 * rate / 2), q: 0.7, rate: rate)
        // Scale the filtered unit noise to an RMS of 6 % of full scale at the envelope's peak.
        murmurScale = Float(0.06 * fullScale / murmurFilter.powerGain().squareRoot())

        startBeat()
    }

    /// Fills `buffer` with the next samples. Does not allocate.
    public mutating func render(into buffer: UnsafeMutableBufferPointer<Int16>) {
        for index in buffer.indices {
            if position >= beatLength { startBeat() }
            noiseState += noiseCoefficient * (gaussian() * noiseInputScale - noiseState)
            var value = noiseState
            if position < s1.count { value += beatGain * s1[position] }
            let inS2 = position - s2Start
            if inS2 >= 0 && inS2 < s2.count { value += beatGain * s2[inS2] }
            if murmur {
                // The filter runs on every sample so its state stays continuous.
                let filtered = murmurFilter.process(gaussian(), state: &murmurState)
                let inMurmur = position - murmurStart
                if inMurmur >= 0 && inMurmur < murmurEnvelope.count {
                    value += beatGain * murmurScale * murmurEnvelope[inMurmur] * filtered
                }
            }
            buffer[index] = Int16(max(-32767, min(32767, value.rounded())))
            position += 1
        }
    }

    private mutating func startBeat() {
        position = 0
        let jitter = 1 + 0.08 * (Double(random.nextUnit()) - 0.5)
        beatLength = max(1, Int(meanBeatLength * jitter))
        beatGain = 1 + 0.1 * (random.nextUnit() - 0.5)
    }

    /// Approximately Gaussian, unit variance (Irwin–Hall: four uniforms), without `log`/`sqrt`.
    private mutating func gaussian() -> Float {
        let sum = random.nextUnit() + random.nextUnit() + random.nextUnit() + random.nextUnit()
        return (sum - 2) * 1.732_050_8
    }

    /// One heart sound: two components, the second `delay` seconds after the first, normalized
    /// to `peak`.
    private static func sound(
        first: [(Double, Double, Double)], second: [(Double, Double, Double)], delay: Double, duration: Double,
        rate: Double, peak: Double
    ) -> [Float] {
        let count = Int(duration * rate)
        var samples = [Double](repeating: 0, count: count)
        for (components, onset) in [(first, 0.0), (second, delay)] {
            for n in Int(onset * rate)..<count {
                let t = Double(n) / rate - onset
                for (frequency, tau, amplitude) in components {
                    samples[n] += amplitude * exp(-t / tau) * sin(2 * Double.pi * frequency * t)
                }
            }
        }
        let largest = samples.map(abs).max() ?? 1
        return samples.map { Float($0 * peak / largest) }
    }
}

/// An RBJ band-pass biquad (constant 0 dB peak gain).
private struct BandPass: Sendable {
    struct State: Sendable {
        var x1: Float = 0
        var x2: Float = 0
        var y1: Float = 0
        var y2: Float = 0
    }

    let b0: Float
    let b2: Float
    let a1: Float
    let a2: Float

    init(center: Double, q: Double, rate: Double) {
        let omega = 2 * Double.pi * center / rate
        let alpha = sin(omega) / (2 * q)
        let a0 = 1 + alpha
        b0 = Float(alpha / a0)
        b2 = Float(-alpha / a0)
        a1 = Float(-2 * cos(omega) / a0)
        a2 = Float((1 - alpha) / a0)
    }

    func process(_ x: Float, state: inout State) -> Float {
        let y = b0 * x + b2 * state.x2 - a1 * state.y1 - a2 * state.y2
        state.x2 = state.x1
        state.x1 = x
        state.y2 = state.y1
        state.y1 = y
        return y
    }

    /// The variance the filter passes from unit white noise: the energy of its impulse response.
    func powerGain() -> Double {
        var state = State()
        var energy = 0.0
        for n in 0..<8192 {
            let y = Double(process(n == 0 ? 1 : 0, state: &state))
            energy += y * y
        }
        return energy
    }
}

/// SplitMix64: tiny, fast, and the same on every platform, so a seed reproduces a recording.
private struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Float {
        Float(next() >> 40) * 0x1p-24
    }
}
