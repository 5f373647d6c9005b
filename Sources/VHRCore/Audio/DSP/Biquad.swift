import Foundation

/// One second-order IIR section with the coefficients of Robert Bristow-Johnson's "Audio EQ
/// Cookbook", normalized so that `a0` is 1.
///
/// Coefficients and state are `Double`: a 20 Hz high-pass at 8 kHz has its poles within 2 % of
/// the unit circle, where `Float` coefficients would move the corner audibly.
public struct Biquad: Sendable, Equatable {
    /// The running state of one section (transposed direct form II: two words).
    public struct State: Sendable, Equatable {
        var s1: Double = 0
        var s2: Double = 0

        public init() {}
    }

    public let b0: Double
    public let b1: Double
    public let b2: Double
    public let a1: Double
    public let a2: Double

    /// A section from raw coefficients, `a0` already divided out.
    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    /// The Butterworth quality factor of a second-order section (−3 dB at the corner).
    public static let butterworthQ = 0.5.squareRoot()

    /// The quality factors of the two sections of a fourth-order Butterworth filter.
    public static let butterworth4Q = (0.541_196_100_146_197, 1.306_562_964_876_376_6)

    /// A low-pass section: flat below `cutoff`, falling 12 dB per octave above it.
    ///
    /// - Precondition: `0 < cutoff < sampleRate / 2` and `q > 0`.
    public static func lowPass(cutoff: Double, q: Double, sampleRate: Double) -> Biquad {
        let (cosine, alpha) = omega(cutoff, q, sampleRate)
        let a0 = 1 + alpha
        return Biquad(
            b0: (1 - cosine) / 2 / a0, b1: (1 - cosine) / a0, b2: (1 - cosine) / 2 / a0, a1: -2 * cosine / a0,
            a2: (1 - alpha) / a0)
    }

    /// A high-pass section: flat above `cutoff`, falling 12 dB per octave below it.
    ///
    /// - Precondition: `0 < cutoff < sampleRate / 2` and `q > 0`.
    public static func highPass(cutoff: Double, q: Double, sampleRate: Double) -> Biquad {
        let (cosine, alpha) = omega(cutoff, q, sampleRate)
        let a0 = 1 + alpha
        return Biquad(
            b0: (1 + cosine) / 2 / a0, b1: -(1 + cosine) / a0, b2: (1 + cosine) / 2 / a0, a1: -2 * cosine / a0,
            a2: (1 - alpha) / a0)
    }

    private static func omega(_ cutoff: Double, _ q: Double, _ sampleRate: Double) -> (cosine: Double, alpha: Double) {
        precondition(cutoff > 0 && cutoff < sampleRate / 2, "a biquad's corner must lie between 0 and Nyquist")
        precondition(q > 0, "a biquad's Q must be positive")
        let w0 = 2 * Double.pi * cutoff / sampleRate
        return (cos(w0), sin(w0) / (2 * q))
    }

    /// Filters one sample.
    @inline(__always)
    public func process(_ x: Double, state: inout State) -> Double {
        let y = b0 * x + state.s1
        state.s1 = b1 * x - a1 * y + state.s2
        state.s2 = b2 * x - a2 * y
        return y
    }

    /// The gain (linear, not dB) at `frequency`, from the transfer function.
    public func magnitude(at frequency: Double, sampleRate: Double) -> Double {
        let w = 2 * Double.pi * frequency / sampleRate
        // H(z) at z = e^{jw}: (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
        let (c1, s1, c2, s2) = (cos(w), sin(w), cos(2 * w), sin(2 * w))
        let numerator = (re: b0 + b1 * c1 + b2 * c2, im: -b1 * s1 - b2 * s2)
        let denominator = (re: 1 + a1 * c1 + a2 * c2, im: -a1 * s1 - a2 * s2)
        return
            ((numerator.re * numerator.re + numerator.im * numerator.im)
            / (denominator.re * denominator.re + denominator.im * denominator.im)).squareRoot()
    }
}
