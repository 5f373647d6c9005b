import Foundation
import Testing
import VHRCore

@Suite struct CaptureAnalysisTests {
    static let format = AudioFormat(sampleRate: 4000)

    /// Beats: 100 ms at 0.5 full scale every second, silence (plus a faint hiss) between them.
    static func beats(seconds: Int) -> [Int16] {
        var random = SeededRandom(seed: 7)
        return (0..<(seconds * 4000)).map { index in
            let hiss = Int16(Int(random.next() % 21) - 10)
            return index % 4000 < 400 ? (index % 8 < 4 ? 16384 : -16384) : hiss
        }
    }

    @Test func beatsHaveALowFloorAndAWideRange() {
        var analysis = CaptureAnalysis(format: Self.format)
        analysis.process(Self.beats(seconds: 3))
        let result = analysis.result
        #expect(result.frames == 12000)
        #expect(result.noiseFloorDBFS < -60)
        #expect(abs(result.loudDBFS - -6.02) < 0.1)
        #expect(abs(result.peakDBFS - -6.02) < 0.01)
        #expect(result.clipRatio == 0)
    }

    @Test func aFullScaleSquareWaveClipsEverySampleAtZeroDBFS() {
        var analysis = CaptureAnalysis(format: Self.format)
        analysis.process((0..<4000).map { $0 % 2 == 0 ? Int16.max : Int16.min })
        let result = analysis.result
        #expect(result.clipRatio == 1)
        #expect(abs(result.levelDBFS) < 0.01)
        #expect(abs(result.noiseFloorDBFS) < 0.01)
        #expect(result.peakDBFS == 0)
    }

    @Test func silenceReadsTheSilenceLevel() {
        var analysis = CaptureAnalysis(format: Self.format)
        analysis.process([Int16](repeating: 0, count: 800))
        #expect(analysis.result.noiseFloorDBFS == CaptureAnalysis.silenceDBFS)
        #expect(analysis.result.levelDBFS == CaptureAnalysis.silenceDBFS)
        #expect(CaptureAnalysis(format: Self.format).result.frames == 0)
    }

    @Test func anySplitIntoBlocksGivesTheSameResult() {
        let samples = Self.beats(seconds: 2)
        var whole = CaptureAnalysis(format: Self.format)
        whole.process(samples)
        var single = CaptureAnalysis(format: Self.format)
        for sample in samples { single.process([sample]) }
        var random = SeededRandom(seed: 42)
        var split = CaptureAnalysis(format: Self.format)
        var index = 0
        while index < samples.count {
            let length = min(samples.count - index, Int(random.next() % 997) + 1)
            split.process(Array(samples[index..<(index + length)]))
            index += length
        }
        #expect(single.result == whole.result)
        #expect(split.result == whole.result)
    }

    @Test func aCaptureShorterThanAHopTakesItsFloorFromAllOfIt() {
        var analysis = CaptureAnalysis(format: Self.format)
        analysis.process([Int16](repeating: 3277, count: 10))  // a tenth of full scale
        #expect(abs(analysis.result.noiseFloorDBFS - -20) < 0.01)
    }
}
