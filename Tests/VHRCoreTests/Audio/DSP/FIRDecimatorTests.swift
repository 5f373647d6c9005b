import Foundation
import Testing
import VHRCore

@Suite struct FIRDecimatorTests {
    /// A sine of `amplitude` at `frequency`, `count` samples at `rate`.
    static func sine(_ frequency: Double, rate: Double, count: Int, amplitude: Double = 10_000) -> [Float] {
        (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / rate)) }
    }

    /// The root mean square of `samples`.
    static func rms(_ samples: ArraySlice<Float>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    /// Runs `input` through a fresh decimator in one block.
    static func decimate(_ input: [Float], _ decimator: FIRDecimator) -> [Float] {
        var output = [Float](repeating: .nan, count: decimator.maximumOutputCount(forInputCount: input.count))
        let count = input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { decimator.process(input: input, output: $0) }
        }
        return Array(output.prefix(count))
    }

    /// The gain in dB a sine at `frequency` gets through 48 kHz → 48000/factor, measured on the
    /// output once the filter has filled.
    static func measuredGain(_ frequency: Double, factor: Int) -> Double {
        let decimator = FIRDecimator(factor: factor, inputRate: 48_000)
        let input = sine(frequency, rate: 48_000, count: 48_000 / 4 + decimator.taps.count)
        let output = decimate(input, decimator)
        let settled = (decimator.taps.count + factor - 1) / factor
        return 20 * log10(rms(output[settled...]) / rms(input[...]))
    }

    @Test func passesTheBandAndRejectsWhatWouldAliasAt8kHz() {
        for frequency in [50.0, 200, 1000, 3000, 3500] {
            let gain = Self.measuredGain(frequency, factor: 6)
            #expect(abs(gain) <= 1, "\(frequency) Hz: \(gain) dB")
        }
        // 5 kHz would fold to 3 kHz, 10 kHz to 2 kHz, 20 kHz to 4 kHz: all must be ≥ 60 dB down.
        for frequency in [4000.0, 5000, 7000, 10_000, 15_000, 20_000] {
            let gain = Self.measuredGain(frequency, factor: 6)
            #expect(gain <= -60, "\(frequency) Hz: \(gain) dB")
        }
    }

    @Test func passesTheBandAndRejectsWhatWouldAliasAt4kHz() {
        for frequency in [20.0, 200, 1000, 1700] {
            let gain = Self.measuredGain(frequency, factor: 12)
            #expect(abs(gain) <= 1, "\(frequency) Hz: \(gain) dB")
        }
        for frequency in [2000.0, 3000, 6000, 20_000] {
            let gain = Self.measuredGain(frequency, factor: 12)
            #expect(gain <= -60, "\(frequency) Hz: \(gain) dB")
        }
    }

    @Test func designedResponseMatchesTheSpecification() {
        let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
        #expect(decimator.outputRate == 8000)
        #expect(decimator.taps.count % 2 == 1)
        #expect(abs(decimator.taps.reduce(0, +) - 1) < 1e-5)
        #expect(decimator.taps == Array(decimator.taps.reversed()), "symmetric: linear phase")
        #expect(decimator.groupDelay == Double(decimator.taps.count - 1) / 2)
        for frequency in stride(from: 0.0, through: 3600, by: 100) {
            #expect(abs(20 * log10(decimator.magnitude(at: frequency))) <= 0.1, "\(frequency) Hz")
        }
        for frequency in stride(from: 4000.0, through: 24_000, by: 250) {
            #expect(20 * log10(decimator.magnitude(at: frequency)) <= -60, "\(frequency) Hz")
        }
    }

    @Test func outputIsTheSameHoweverTheInputIsSplit() {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<6007).map { _ in Float.random(in: -30_000...30_000, using: &generator) }
        let whole = Self.decimate(input, FIRDecimator(factor: 6, inputRate: 48_000))
        #expect(whole.count == (input.count + 5) / 6)

        for _ in 0..<5 {
            let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
            var split: [Float] = []
            var start = 0
            while start < input.count {
                let end = min(input.count, start + Int.random(in: 0...700, using: &generator))
                #expect(decimator.inputsUntilNextOutput == (6 - start % 6) % 6)
                split += Self.decimate(Array(input[start..<end]), decimator)
                start = end
            }
            #expect(split == whole)
        }
        // Sample by sample.
        let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
        #expect(input.flatMap { Self.decimate([$0], decimator) } == whole)
    }

    @Test func outputKIsTheFilterAtInputKTimesM() {
        // An impulse at input 0 gives the taps themselves, every M-th one.
        let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
        var input = [Float](repeating: 0, count: decimator.taps.count + 12)
        input[0] = 1
        let output = Self.decimate(input, decimator)
        for (k, value) in output.enumerated() where 6 * k < decimator.taps.count {
            #expect(value == decimator.taps[6 * k])
        }
    }

    @Test func resetForgetsThePast() {
        let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
        let noise = Self.sine(1000, rate: 48_000, count: 1001)
        _ = Self.decimate(noise, decimator)
        decimator.reset()
        #expect(decimator.inputsUntilNextOutput == 0)
        let fresh = FIRDecimator(factor: 6, inputRate: 48_000)
        let input = Self.sine(200, rate: 48_000, count: 2000)
        #expect(Self.decimate(input, decimator) == Self.decimate(input, fresh))
    }

    @Test func factorOneCopies() {
        let decimator = FIRDecimator(factor: 1, inputRate: 8000)
        let input = Self.sine(440, rate: 8000, count: 100)
        #expect(Self.decimate(input, decimator) == input)
    }
}
