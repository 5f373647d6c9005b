import CAllocationCounter
import Foundation
import Testing
import VHRCore

@Suite struct SignalQualityTests {
    static func synthetic(rate: Int = 4000, bpm: Double = 72, murmur: Bool = false, seconds: Double, seed: UInt64 = 1)
        -> [Int16]
    {
        var synthesizer = HeartSoundSynthesizer(sampleRate: rate, heartRate: bpm, murmur: murmur, seed: seed)
        var samples = [Int16](repeating: 0, count: Int(seconds * Double(rate)))
        samples.withUnsafeMutableBufferPointer { synthesizer.render(into: $0) }
        return samples
    }

    /// Feeds `samples` in blocks whose sizes come from `sizes` (cycled), like a ring reader would.
    static func analyze(
        _ samples: [Int16], format: AudioFormat, blockSizes sizes: [Int] = [80], into analyzer: inout SignalQuality
    ) {
        samples.withUnsafeBufferPointer { all in
            var offset = 0
            var turn = 0
            while offset < all.count {
                let size = min(sizes[turn % sizes.count] * format.channels, all.count - offset)
                analyzer.process(UnsafeBufferPointer(rebasing: all[offset..<offset + size]))
                offset += size
                turn += 1
            }
        }
    }

    static func reading(_ samples: [Int16], format: AudioFormat = AudioFormat(sampleRate: 4000)) throws
        -> SignalQuality.Reading
    {
        var analyzer = SignalQuality(format: format)
        analyze(samples, format: format, into: &analyzer)
        return try #require(analyzer.reading())
    }

    static let c0003URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Sources/VHRDevices/Simulated/Recordings/physionet2016_c0003_normal.wav")

    @Test(arguments: [(4000, 72.0), (4000, 50.0), (4000, 120.0), (8000, 72.0), (2000, 90.0)])
    func syntheticHeartRateWithinThreeBeats(rate: Int, bpm: Double) throws {
        let reading = try Self.reading(
            Self.synthetic(rate: rate, bpm: bpm, seconds: 12), format: AudioFormat(sampleRate: rate))
        let estimate = try #require(reading.heartRateBPM, "no rate for synthetic \(bpm) bpm at \(rate) Hz")
        #expect(abs(estimate - bpm) <= 3, "estimated \(estimate) for \(bpm) bpm")
        #expect(reading.contact)
        #expect(!reading.handlingNoise)
        #expect(reading.clipRatio == 0)
        #expect(reading.seconds == 5)
        #expect(reading.levelDBFS < reading.peakDBFS && reading.peakDBFS < 0 && reading.levelDBFS > -40)
    }

    @Test func aMurmurDoesNotConfuseTheRate() throws {
        let reading = try Self.reading(Self.synthetic(bpm: 72, murmur: true, seconds: 10))
        let estimate = try #require(reading.heartRateBPM)
        #expect(abs(estimate - 72) <= 3)
    }

    @Test func theRealRecordingGivesAPlausibleRate() throws {
        let wav = try WAVFile(bytes: try Data(contentsOf: Self.c0003URL))
        #expect(wav.format.sampleRate == 2000)
        var analyzer = SignalQuality(format: wav.format)
        var estimates: [Double] = []
        // Every 5 s window of the 32 s recording.
        let window = 5 * wav.format.sampleRate
        for start in stride(from: 0, to: wav.samples.count - window, by: window) {
            Self.analyze(Array(wav.samples[start..<start + window]), format: wav.format, into: &analyzer)
            let reading = try #require(analyzer.reading())
            #expect(reading.contact)
            // The recording itself touches full scale now and then.
            #expect(reading.clipRatio < 0.01)
            #expect(!reading.handlingNoise, "a clean recording flagged as handled at \(start / 2000) s")
            if let rate = reading.heartRateBPM { estimates.append(rate) }
            analyzer.reset()
        }
        // The research note's estimator gives 67 bpm for the whole file.
        #expect(estimates.count >= 5)
        for rate in estimates { #expect((60...75).contains(rate), "c0003 estimated at \(rate) bpm") }
    }

    @Test func theSameReadingHoweverTheSamplesAreSplit() throws {
        let samples = Self.synthetic(seconds: 7)
        let format = AudioFormat(sampleRate: 4000)
        var whole = SignalQuality(format: format)
        Self.analyze(samples, format: format, blockSizes: [samples.count], into: &whole)
        var single = SignalQuality(format: format)
        Self.analyze(samples, format: format, blockSizes: [1], into: &single)
        var random = SignalQuality(format: format)
        var generator = SystemRandomNumberGenerator()
        Self.analyze(
            samples, format: format, blockSizes: (0..<64).map { _ in Int.random(in: 1...500, using: &generator) },
            into: &random)
        #expect(whole.reading() == single.reading())
        #expect(whole.reading() == random.reading())
    }

    @Test func silenceHasNoContactAndNoRate() throws {
        let reading = try Self.reading([Int16](repeating: 0, count: 40000))
        #expect(!reading.contact)
        #expect(reading.heartRateBPM == nil)
        #expect(reading.levelDBFS == SignalQuality.silenceDBFS)
        #expect(reading.peakDBFS == SignalQuality.silenceDBFS)
        #expect(!reading.handlingNoise)
    }

    @Test func aQuietRoomWithoutSkinContactIsNotContact() throws {
        // Air noise: white, -50 dBFS, most of it above the low band.
        var random = SystemRandomNumberGenerator()
        let noise = (0..<40000).map { _ in Int16.random(in: -180...180, using: &random) }
        let reading = try Self.reading(noise)
        #expect(!reading.contact, "low band at \(reading.lowBandDBFS) dBFS")
        #expect(reading.heartRateBPM == nil)
    }

    @Test func noiseWithoutRhythmHasNoRate() throws {
        // Loud low-passed noise: contact, but no heartbeat in it.
        var random = SystemRandomNumberGenerator()
        var state = 0.0
        let noise = (0..<40000).map { _ -> Int16 in
            state += 0.1 * (Double.random(in: -8000...8000, using: &random) - state)
            return Int16(state)
        }
        let reading = try Self.reading(noise)
        #expect(reading.contact)
        #expect(reading.heartRateBPM == nil, "found \(reading.heartRateBPM ?? 0) bpm in noise")
    }

    @Test func aClippedSignalHasAClipRatio() throws {
        let loud = Self.synthetic(seconds: 6).map { Int16(clamping: Int($0) * 4) }
        let reading = try Self.reading(loud)
        #expect(reading.clipRatio > 0 && reading.clipRatio < 0.1)
        #expect(reading.peakDBFS > -0.01)
        let clean = try Self.reading(Self.synthetic(seconds: 6))
        #expect(clean.clipRatio == 0)
    }

    @Test func aHandlingBurstIsDetectedAndThenForgotten() throws {
        var samples = Self.synthetic(seconds: 6)
        var random = SystemRandomNumberGenerator()
        // 150 ms of broadband rubbing, loud, at 3 s.
        for index in 12000..<12600 { samples[index] &+= Int16.random(in: -9000...9000, using: &random) }
        let format = AudioFormat(sampleRate: 4000)
        var analyzer = SignalQuality(format: format)
        Self.analyze(samples, format: format, into: &analyzer)
        #expect(try #require(analyzer.reading()).handlingNoise)
        // Five seconds later the burst has left the window.
        Self.analyze(Self.synthetic(seconds: 5.5, seed: 2), format: format, into: &analyzer)
        #expect(try #require(analyzer.reading()).handlingNoise == false)
    }

    @Test func stereoIsAnalyzedAsItsMean() throws {
        let mono = Self.synthetic(seconds: 8)
        let stereo = mono.flatMap { [$0, $0] }
        let format = AudioFormat(sampleRate: 4000, channels: 2)
        var analyzer = SignalQuality(format: format)
        Self.analyze(stereo, format: format, into: &analyzer)
        #expect(analyzer.reading() == (try Self.reading(mono)))
    }

    @Test func resetForgetsThePatient() throws {
        let format = AudioFormat(sampleRate: 4000)
        var analyzer = SignalQuality(format: format)
        #expect(analyzer.reading() == nil)
        Self.analyze(Self.synthetic(seconds: 6), format: format, into: &analyzer)
        #expect(analyzer.reading() != nil)
        analyzer.reset()
        #expect(analyzer.reading() == nil)
        #expect(analyzer.seconds == 0)
    }

    @Test func processingDoesNotAllocate() {
        #expect(vhr_allocation_counting_available() == 1, "allocations are not measurable under a sanitizer")
        let samples = Self.synthetic(seconds: 12)
        let format = AudioFormat(sampleRate: 4000)
        var analyzer = SignalQuality(format: format)
        samples.withUnsafeBufferPointer { all in
            analyzer.process(UnsafeBufferPointer(rebasing: all[0..<8000]))  // warm up
            vhr_allocation_reset()
            var offset = 8000
            while offset < all.count {
                let size = min(37 + offset % 300, all.count - offset)
                analyzer.process(UnsafeBufferPointer(rebasing: all[offset..<offset + size]))
                offset += size
            }
        }
        #expect(vhr_allocation_count() == 0)
        #expect(analyzer.seconds == 5)
    }
}
