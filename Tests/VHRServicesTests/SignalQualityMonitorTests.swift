import Foundation
import Testing
import VHRCore
import VHRSystem

@testable import VHRServices

@Suite struct SignalQualityMonitorTests {
    /// Writes `seconds` of synthetic heart sounds (or silence) into the ring at once.
    static func write(_ rig: AudioRig, seconds: Double, bpm: Double? = 72) {
        let count = Int(seconds * Double(rig.ring.format.sampleRate))
        var samples = [Int16](repeating: 0, count: count)
        if let bpm {
            var synthesizer = HeartSoundSynthesizer(sampleRate: rig.ring.format.sampleRate, heartRate: bpm, seed: 3)
            samples.withUnsafeMutableBufferPointer { synthesizer.render(into: $0) }
        }
        samples.withUnsafeBufferPointer { rig.ring.write($0, captureTime: MonotonicClock.now()) }
    }

    static func monitor(_ rig: AudioRig) -> SignalQualityMonitor {
        var settings = SignalQualityMonitor.Settings()
        settings.intervalSeconds = 0.1
        return SignalQualityMonitor(
            ring: rig.ring, device: "stethoscope", events: rig.events, logger: rig.logger, settings: settings)
    }

    @Test func publishesTheHeartRateAndKeepsTheLatest() async throws {
        let rig = try AudioRig()
        Self.write(rig, seconds: 10)
        let monitor = Self.monitor(rig)
        monitor.start()
        let event = try #require(try await rig.event("steth.quality"))
        let rate = try #require(event["heart_rate_bpm"]?.intValue, "no heart rate in \(event.jsonLine())")
        #expect((69...75).contains(rate))
        #expect(event["contact"] == true && event["handling_noise"] == false)
        #expect(event["device"] == "stethoscope")
        // The reading covers the last five seconds in the ring.
        #expect(event["to_index"]?.intValue == 40000 && event["from_index"]?.intValue == 20000)
        #expect(event["window_s"]?.doubleValue == 5)
        // The same reading; JSON decoding turns 5.0 into 5, so numbers compare by value.
        let latest = try #require(monitor.latest)
        #expect(latest.objectValue?.keys.sorted() == event.fields.keys.sorted())
        for key in ["heart_rate_bpm", "from_index", "to_index", "level_dbfs", "contact", "time"] {
            #expect(latest[key] == event[key] || latest[key]?.doubleValue == event[key]?.doubleValue, "\(key)")
        }
        monitor.stop()
        rig.finish()
    }

    @Test func resetForgetsThePatientAndSilenceIsNoContact() async throws {
        let rig = try AudioRig()
        Self.write(rig, seconds: 6)
        let monitor = Self.monitor(rig)
        monitor.start()
        _ = try #require(try await rig.event("steth.quality"))
        monitor.reset()
        #expect(monitor.latest == nil)
        // Two seconds of silence: a reading from the silence only, with no contact and no rate.
        Self.write(rig, seconds: 2, bpm: nil)
        let silent = try #require(try await rig.event("steth.quality") { $0["contact"] == false })
        #expect(silent["heart_rate_bpm"] == .null)
        #expect(silent["level_dbfs"]?.doubleValue == SignalQuality.silenceDBFS)
        #expect(silent["from_index"]?.intValue == 24000)
        monitor.stop()
        rig.finish()
    }
}
