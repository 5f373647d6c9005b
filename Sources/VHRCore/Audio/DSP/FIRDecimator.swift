import Foundation

/// Lowers the sample rate by a whole factor M (48 kHz → 8 kHz: M = 6; → 4 kHz: M = 12) behind a
/// linear-phase anti-aliasing low-pass, so nothing above the new Nyquist frequency folds back
/// into the heart and lung band.
///
/// The low-pass is a windowed sinc with a Kaiser window, designed at init: flat to
/// `passbandFraction` of the output rate (0.45: 3.6 kHz at 8 kHz), at least `attenuation` dB
/// down from the output Nyquist frequency up. Only every M-th output is computed, as a dot
/// product of the taps with the newest inputs, so the cost is one tap length per output sample.
///
/// Inputs are kept in a doubled ring (each sample is stored twice, `length` apart), so the
/// newest `length` inputs are always contiguous whatever the block boundaries; the output is the
/// same however the input is split into blocks. `process` never allocates.
///
/// Not thread-safe: one thread (the capture thread) owns an instance.
public final class FIRDecimator {
    /// The decimation factor M.
    public let factor: Int
    /// The input rate in Hz.
    public let inputRate: Int
    /// The filter's coefficients, oldest-input side last (`taps[0]` weighs the newest input).
    /// Symmetric, summing to 1.
    public let taps: [Float]
    /// The delay the filter adds, in input samples: `(taps.count − 1) / 2`. An output sample
    /// stands for the moment of its newest input minus this.
    public var groupDelay: Double { Double(taps.count - 1) / 2 }
    /// Inputs still to come before the next output is computed (0 … factor − 1): the next output
    /// is due at input number `inputsUntilNextOutput` of the next block.
    public private(set) var inputsUntilNextOutput = 0

    /// Taps padded to a multiple of the vector width, in the order of the ring (oldest first).
    private let window: UnsafeMutablePointer<Float>
    /// The padded length: the ring's length.
    private let length: Int
    /// The doubled ring of past inputs: `2 × length` floats.
    private let history: UnsafeMutablePointer<Float>
    /// Where the next input goes, in `0 ..< length`.
    private var position = 0

    private typealias Vector = SIMD8<Float>

    /// Designs the filter and sets up an empty (all-zero) history.
    ///
    /// - Parameters:
    ///   - factor: M, at least 1 (1 copies the input unchanged).
    ///   - inputRate: The input rate in Hz; the output rate is `inputRate / factor`.
    ///   - passbandFraction: The passband edge as a fraction of the output rate (below 0.5).
    ///   - attenuation: Stopband attenuation in dB, reached at the output Nyquist frequency.
    public init(factor: Int, inputRate: Int, passbandFraction: Double = 0.45, attenuation: Double = 70) {
        precondition(factor >= 1, "a decimation factor is at least 1")
        precondition(inputRate > 0 && inputRate % factor == 0, "the input rate must be a multiple of the factor")
        precondition(passbandFraction > 0 && passbandFraction < 0.5, "the passband ends below the output Nyquist")
        precondition(attenuation >= 21, "a Kaiser design needs at least 21 dB")
        self.factor = factor
        self.inputRate = inputRate
        let taps =
            factor == 1
            ? [1] : Self.design(factor: factor, passbandFraction: passbandFraction, attenuation: attenuation)
        self.taps = taps
        length = (taps.count + Vector.scalarCount - 1) / Vector.scalarCount * Vector.scalarCount
        // Ring order is oldest first; the padding zeros weigh the oldest slots.
        window = .allocate(capacity: length)
        window.initialize(repeating: 0, count: length)
        for (index, tap) in taps.enumerated() {
            window[length - 1 - index] = tap
        }
        history = .allocate(capacity: 2 * length)
        history.initialize(repeating: 0, count: 2 * length)
    }

    deinit {
        window.deallocate()
        history.deallocate()
    }

    /// The output rate in Hz.
    public var outputRate: Int { inputRate / factor }

    /// The most outputs `process` can give for `inputCount` inputs: size output buffers with it.
    public func maximumOutputCount(forInputCount inputCount: Int) -> Int {
        (inputCount + factor - 1) / factor
    }

    /// Filters and decimates one block.
    ///
    /// - Parameters:
    ///   - input: Samples at the input rate, any count.
    ///   - output: Room for at least `maximumOutputCount(forInputCount: input.count)` samples.
    /// - Returns: How many output samples were written to the start of `output`.
    public func process(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) -> Int {
        precondition(output.count >= maximumOutputCount(forInputCount: input.count), "the output buffer is too small")
        var produced = 0
        var due = inputsUntilNextOutput
        for sample in input {
            history[position] = sample
            history[position + length] = sample
            position = position + 1 == length ? 0 : position + 1
            if due == 0 {
                output[produced] = dotProduct(history + position)
                produced += 1
                due = factor
            }
            due -= 1
        }
        inputsUntilNextOutput = due
        return produced
    }

    /// Forgets all past input, as after a gap: the next input starts a new stream.
    public func reset() {
        history.update(repeating: 0, count: 2 * length)
        position = 0
        inputsUntilNextOutput = 0
    }

    /// The filter's gain at `frequency` (linear), from its taps.
    public func magnitude(at frequency: Double) -> Double {
        let w = 2 * Double.pi * frequency / Double(inputRate)
        var re = 0.0
        var im = 0.0
        for (index, tap) in taps.enumerated() {
            re += Double(tap) * cos(w * Double(index))
            im -= Double(tap) * sin(w * Double(index))
        }
        return (re * re + im * im).squareRoot()
    }

    /// Σ window[i] · samples[i] over the ring, eight lanes at a time (Swift does not reorder a
    /// scalar float sum into vectors on its own).
    @inline(__always)
    private func dotProduct(_ samples: UnsafeMutablePointer<Float>) -> Float {
        var sum = Vector()
        let taps = UnsafeRawPointer(window)
        let data = UnsafeRawPointer(samples)
        let stride = MemoryLayout<Vector>.size
        for offset in Swift.stride(from: 0, to: length * MemoryLayout<Float>.size, by: stride) {
            sum +=
                taps.loadUnaligned(fromByteOffset: offset, as: Vector.self)
                * data.loadUnaligned(fromByteOffset: offset, as: Vector.self)
        }
        return sum.sum()
    }

    /// A Kaiser-windowed sinc (Kaiser 1974; Oppenheim & Schafer §7.5.3): the length and β come
    /// from the attenuation and the transition width, from the passband edge to the output
    /// Nyquist frequency; the cut-off sits in the middle of the transition.
    static func design(factor: Int, passbandFraction: Double, attenuation: Double) -> [Float] {
        // Frequencies as fractions of the input rate.
        let passEdge = passbandFraction / Double(factor)
        let stopEdge = 0.5 / Double(factor)
        let cutoff = (passEdge + stopEdge) / 2
        let transition = 2 * Double.pi * (stopEdge - passEdge)
        var count = Int(((attenuation - 8) / (2.285 * transition)).rounded(.up)) + 1
        if count % 2 == 0 { count += 1 }  // odd: a whole-sample delay, a type I linear-phase filter
        let beta =
            attenuation > 50
            ? 0.1102 * (attenuation - 8.7)
            : 0.5842 * pow(attenuation - 21, 0.4) + 0.07886 * (attenuation - 21)
        let middle = Double(count - 1) / 2
        let scale = besselI0(beta)
        var taps = (0..<count).map { index -> Double in
            let t = Double(index) - middle
            let sinc = t == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * t) / (Double.pi * t)
            let ratio = t / middle
            return sinc * besselI0(beta * (1 - ratio * ratio).squareRoot()) / scale
        }
        let sum = taps.reduce(0, +)
        taps = taps.map { $0 / sum }  // unity gain at DC
        return taps.map(Float.init)
    }

    /// The modified Bessel function of the first kind, order 0, by its power series.
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        var k = 1.0
        while term > 1e-12 * sum {
            let half = x / (2 * k)
            term *= half * half
            sum += term
            k += 1
        }
        return sum
    }
}
