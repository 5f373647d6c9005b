import Foundation
import Testing
import VHRCore

@Suite struct StethoscopeFilterTests {
    typealias Mode = StethoscopeFilter.Mode

    /// The gain in dB a sine at `frequency` gets through `mode`, measured after it settles.
    static func measured(_ mode: Mode, _ frequency: Double, rate: Int = 8000) -> Double {
        let filter = StethoscopeFilter(sampleRate: rate, mode: mode)
        var samples = (0..<rate).map { Float(1000 * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
        let input = samples
        samples.withUnsafeMutableBufferPointer { filter.process($0, mode: mode) }
        let energy = { (part: ArraySlice<Float>) in part.reduce(0.0) { $0 + Double($1) * Double($1) } }
        return 10 * log10(energy(samples[(rate / 2)...]) / energy(input[(rate / 2)...]))
    }

    @Test func modesPassTheirBandsAndCutOutside() {
        // (mode, frequency, lowest gain, highest gain) in dB.
        let table: [(Mode, Double, Double, Double)] = [
            (.bell, 30, -2, 0.5), (.bell, 100, -0.5, 0.5), (.bell, 500, -0.5, 0.5),
            (.bell, 2000, -100, -20), (.bell, 3000, -100, -30),
            (.diaphragm, 30, -100, -35), (.diaphragm, 50, -100, -20), (.diaphragm, 300, -0.5, 0.5),
            (.diaphragm, 1000, -0.5, 0.5), (.diaphragm, 3000, -100, -6),
            (.extended, 30, -2, 0.5), (.extended, 100, -0.5, 0.5), (.extended, 1000, -1, 0.5),
            (.extended, 3500, -100, -10),
        ]
        for (mode, frequency, low, high) in table {
            let gain = Self.measured(mode, frequency)
            #expect(gain >= low && gain <= high, "\(mode) at \(frequency) Hz: \(gain) dB")
            let filter = StethoscopeFilter(sampleRate: 8000)
            let designed = 20 * log10(filter.magnitude(of: mode, at: frequency))
            #expect(abs(designed - gain) < 0.2, "\(mode) at \(frequency) Hz: designed \(designed), measured \(gain)")
        }
    }

    @Test func at4kHzTheBandEndsAtTheDecimatorsEdge() {
        #expect(StethoscopeFilter.sections(for: .extended, sampleRate: 4000).count == 1)
        #expect(StethoscopeFilter.sections(for: .extended, sampleRate: 8000).count == 2)
        #expect(abs(Self.measured(.extended, 1500, rate: 4000)) < 0.5)
        #expect(Self.measured(.bell, 1500, rate: 4000) < -6)
    }

    @Test func namesRoundTrip() {
        for mode in Mode.allCases { #expect(Mode(name: mode.description) == mode) }
        #expect(Mode(name: "Bell") == nil)
        #expect(Mode.allCases.map(\.description) == ["bell", "diaphragm", "extended"])
    }

    @Test func switchingMidStreamFadesWithoutAClick() {
        // 80 Hz plus 600 Hz: bell and extended keep both, diaphragm loses the 80 Hz.
        let rate = 8000
        let filter = StethoscopeFilter(sampleRate: rate, mode: .extended)
        let signal = (0..<(4 * rate)).map { n -> Float in
            let t = Double(n) / Double(rate)
            return Float(12_000 * sin(2 * Double.pi * 80 * t) + 8000 * sin(2 * Double.pi * 600 * t))
        }
        var output: [Float] = []
        var largestStep: Float = 0
        let modes: [Mode] = [.extended, .diaphragm, .bell, .diaphragm, .extended, .bell, .bell, .diaphragm]
        var block = [Float](repeating: 0, count: 80)
        for start in stride(from: 0, to: signal.count, by: 80) {
            let mode = modes[(start / 2960) % modes.count]  // a switch every 370 ms
            for index in 0..<80 { block[index] = signal[start + index] }
            block.withUnsafeMutableBufferPointer { filter.process($0, mode: mode) }
            output += block
        }
        #expect(output.allSatisfy { $0.isFinite && abs($0) < 32_768 })
        for index in 1..<output.count { largestStep = max(largestStep, abs(output[index] - output[index - 1])) }
        // The input's own largest step: 2π(80·12000 + 600·8000)/8000 ≈ 4524. A reset filter
        // would jump by up to the signal's full amplitude in one sample.
        var inputStep: Float = 0
        for index in 1..<signal.count { inputStep = max(inputStep, abs(signal[index] - signal[index - 1])) }
        #expect(largestStep <= 1.1 * inputStep, "largest step \(largestStep), input's \(inputStep)")
        #expect(filter.mode == modes[(signal.count - 80) / 2960 % modes.count])
    }

    @Test func switchTakesEffectAtTheNextBlockAndFadesOver20ms() {
        let rate = 8000
        let filter = StethoscopeFilter(sampleRate: rate, mode: .extended)
        #expect(filter.crossfadeLength == 160)
        // 40 Hz: diaphragm removes it (≥ 25 dB down), extended keeps it.
        var samples = (0..<(2 * rate)).map { Float(10_000 * sin(2 * Double.pi * 40 * Double($0) / Double(rate))) }
        samples.withUnsafeMutableBufferPointer { buffer in
            filter.process(UnsafeMutableBufferPointer(rebasing: buffer[0..<rate]), mode: .extended)
            filter.process(UnsafeMutableBufferPointer(rebasing: buffer[rate...]), mode: .diaphragm)
        }
        #expect(filter.mode == .diaphragm)
        let peak = { (part: ArraySlice<Float>) in part.map(abs).max() ?? 0 }
        #expect(peak(samples[(rate - 400)..<rate]) > 9000, "extended before the switch")
        #expect(peak(samples[rate..<(rate + 40)]) > 5000, "still fading at the start of the block")
        #expect(peak(samples[(rate + 800)...]) < 600, "diaphragm after the fade")
    }

    @Test func resetStartsFromRest() {
        let filter = StethoscopeFilter(sampleRate: 8000, mode: .bell)
        var noise = (0..<1000).map { Float(($0 * 7919) % 2001 - 1000) }
        noise.withUnsafeMutableBufferPointer { filter.process($0, mode: .diaphragm) }
        filter.reset()
        let fresh = StethoscopeFilter(sampleRate: 8000, mode: .diaphragm)
        var a = (0..<500).map { Float(100 * sin(Double($0) / 10)) }
        var b = a
        a.withUnsafeMutableBufferPointer { filter.process($0, mode: .diaphragm) }
        b.withUnsafeMutableBufferPointer { fresh.process($0, mode: .diaphragm) }
        #expect(a == b)
    }
}
