import Foundation

/// Removes the DC offset a sound card's input adds, with a first-order high-pass:
/// `y[n] = x[n] − x[n−1] + r·y[n−1]`.
///
/// The corner is a few hertz: clinically nothing below about 20 Hz may be cut, since S3 and S4
/// sit at 20–50 Hz (stethoscope-streaming.md §1.3), and a 5 Hz corner costs 0.3 dB at 20 Hz.
public struct DCBlocker: Sendable, Equatable {
    /// The pole: `exp(−2π·corner/rate)`.
    public let pole: Double
    private var previousInput: Double = 0
    private var previousOutput: Double = 0

    /// - Parameters:
    ///   - corner: The −3 dB frequency in Hz; at most 10 Hz for a stethoscope.
    ///   - sampleRate: The rate of the samples it filters.
    public init(corner: Double = 5, sampleRate: Double) {
        precondition(corner > 0 && corner < sampleRate / 2, "a DC blocker's corner must lie between 0 and Nyquist")
        pole = exp(-2 * Double.pi * corner / sampleRate)
    }

    /// Filters one sample.
    @inline(__always)
    public mutating func process(_ x: Double) -> Double {
        let y = x - previousInput + pole * previousOutput
        previousInput = x
        previousOutput = y
        return y
    }

    /// Forgets the past, as after a gap in the input.
    public mutating func reset() {
        previousInput = 0
        previousOutput = 0
    }
}
