import Foundation
import Testing
import VHRCore

@Suite struct BiquadTests {
    /// The gain in dB a sine gets through `section`, measured after it settles.
    static func measured(_ section: Biquad, _ frequency: Double, rate: Double) -> Double {
        var state = Biquad.State()
        var energyIn = 0.0
        var energyOut = 0.0
        let count = Int(rate)  // one second
        for n in 0..<count {
            let x = sin(2 * Double.pi * frequency * Double(n) / rate)
            let y = section.process(x, state: &state)
            if n >= count / 2 {
                energyIn += x * x
                energyOut += y * y
            }
        }
        return 10 * log10(energyOut / energyIn)
    }

    @Test func butterworthCornersAreThreeDecibelsDown() {
        let lowPass = Biquad.lowPass(cutoff: 1000, q: Biquad.butterworthQ, sampleRate: 8000)
        #expect(abs(20 * log10(lowPass.magnitude(at: 1000, sampleRate: 8000)) + 3.01) < 0.01)
        #expect(abs(lowPass.magnitude(at: 0, sampleRate: 8000) - 1) < 1e-12)
        let highPass = Biquad.highPass(cutoff: 100, q: Biquad.butterworthQ, sampleRate: 8000)
        #expect(abs(20 * log10(highPass.magnitude(at: 100, sampleRate: 8000)) + 3.01) < 0.01)
        #expect(abs(highPass.magnitude(at: 4000, sampleRate: 8000) - 1) < 1e-12)
    }

    @Test func processingAgreesWithTheTransferFunction() {
        let sections = [
            Biquad.lowPass(cutoff: 1000, q: 1.3, sampleRate: 8000),
            Biquad.highPass(cutoff: 20, q: Biquad.butterworthQ, sampleRate: 8000),
        ]
        for section in sections {
            for frequency in [30.0, 100, 500, 1000, 2000, 3000] {
                let expected = 20 * log10(section.magnitude(at: frequency, sampleRate: 8000))
                #expect(abs(Self.measured(section, frequency, rate: 8000) - expected) < 0.05, "\(frequency) Hz")
            }
        }
    }

    @Test func dcBlockerRemovesOffsetAndKeepsTwentyHertz() {
        var blocker = DCBlocker(corner: 5, sampleRate: 8000)
        var last = 0.0
        for _ in 0..<16_000 { last = blocker.process(1000) }
        #expect(abs(last) < 1)
        var energyIn = 0.0
        var energyOut = 0.0
        blocker.reset()
        for n in 0..<16_000 {
            let x = sin(2 * Double.pi * 20 * Double(n) / 8000)
            let y = blocker.process(x)
            if n >= 8000 {
                energyIn += x * x
                energyOut += y * y
            }
        }
        #expect(10 * log10(energyOut / energyIn) > -0.5)
    }
}
