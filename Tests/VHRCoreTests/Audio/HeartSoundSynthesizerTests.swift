import Testing
import VHRCore

@Suite struct HeartSoundSynthesizerTests {
    /// Renders `seconds` of audio in blocks of `block` samples.
    private func render(_ synthesizer: inout HeartSoundSynthesizer, seconds: Double, block: Int = 160) -> [Int16] {
        let total = Int(seconds * Double(synthesizer.sampleRate))
        var output = [Int16](repeating: 0, count: total)
        output.withUnsafeMutableBufferPointer { buffer in
            var start = 0
            while start < total {
                let end = min(total, start + block)
                synthesizer.render(into: UnsafeMutableBufferPointer(rebasing: buffer[start..<end]))
                start = end
            }
        }
        return output
    }

    /// Heart rate from the autocorrelation of the energy envelope (10 ms hops, 40–180 bpm), the
    /// estimator of the research note §4.3.
    private func estimatedBPM(_ samples: [Int16], rate: Int) -> Double {
        let hop = rate / 100
        var envelope: [Double] = stride(from: 0, to: samples.count - hop, by: hop).map { start in
            samples[start..<start + hop].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(hop)
        }
        let mean = envelope.reduce(0, +) / Double(envelope.count)
        envelope = envelope.map { $0 - mean }
        func correlation(_ lag: Int) -> Double {
            (0..<(envelope.count - lag)).reduce(0.0) { $0 + envelope[$1] * envelope[$1 + lag] }
        }
        let lags = (6000 / 180)...(6000 / 40)  // hops per beat
        let best = lags.max { correlation($0) < correlation($1) }!
        // Parabolic interpolation around the peak for sub-hop resolution.
        let (left, center, right) = (correlation(best - 1), correlation(best), correlation(best + 1))
        let shift = 0.5 * (left - right) / (left - 2 * center + right)
        return 6000 / (Double(best) + shift)
    }

    @Test func deterministicPerSeedAndIndependentOfBlockSize() {
        var a = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 72, murmur: true, seed: 7)
        var b = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 72, murmur: true, seed: 7)
        var c = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 72, murmur: true, seed: 8)
        let first = render(&a, seconds: 3, block: 160)
        let second = render(&b, seconds: 3, block: 37)
        let other = render(&c, seconds: 3)
        #expect(first == second)
        #expect(first != other)
    }

    @Test(arguments: [(4000, 72.0, false), (4000, 72.0, true), (2000, 110.0, false), (8000, 50.0, true)])
    func soundsLikeAHeartAtTheConfiguredRate(rate: Int, bpm: Double, murmur: Bool) {
        var synthesizer = HeartSoundSynthesizer(sampleRate: rate, heartRate: bpm, murmur: murmur, seed: 3)
        #expect(synthesizer.format == AudioFormat(sampleRate: rate))
        let samples = render(&synthesizer, seconds: 20)
        let peak = samples.map { Int(abs(Int32($0))) }.max()!
        #expect(peak > 8000, "not silent")
        #expect(peak < 32767, "not clipped")
        let estimate = estimatedBPM(samples, rate: rate)
        #expect(abs(estimate - bpm) <= 3, "estimated \(estimate) bpm for \(bpm)")
    }

    @Test func backgroundIsQuietBetweenBeats() {
        var synthesizer = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 60, murmur: false, seed: 1)
        let samples = render(&synthesizer, seconds: 10)
        // The quietest 10 ms windows are background noise: about 40 dB below the peak.
        let windows = stride(from: 0, to: samples.count - 40, by: 40).map { start in
            (samples[start..<start + 40].reduce(0.0) { $0 + Double($1) * Double($1) } / 40).squareRoot()
        }.sorted()
        let quiet = windows[windows.count / 4]
        #expect(quiet > 20, "there is a noise floor")
        #expect(quiet < 600, "the noise floor is low")
    }

    @Test func murmurFillsSystole() {
        var plain = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 72, murmur: false, seed: 5)
        var murmur = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 72, murmur: true, seed: 5)
        let energy = { (samples: [Int16]) in samples.reduce(0.0) { $0 + Double($1) * Double($1) } }
        #expect(energy(render(&murmur, seconds: 5)) > 1.1 * energy(render(&plain, seconds: 5)))
    }
}
