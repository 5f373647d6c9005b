import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem

/// Real-time tests run one at a time so they do not compete for the CPU with each other.
@Suite(.serialized) struct SimulatedStethoscopeTests {
    private let info = DeviceInfo(
        id: "stethoscope", kind: .stethoscope, profile: "simulated-stethoscope", model: "Simulated stethoscope",
        transport: "simulated", simulated: true)

    /// Counts writes and remembers the last capture time; used to catch writes after stop.
    private final class CountingSink: AudioSink {
        let writes = Atomic<Int>(0)
        let frames = Atomic<Int>(0)
        func write(_ samples: UnsafeBufferPointer<Int16>, captureTime: Int64) {
            writes.add(1, ordering: .relaxed)
            frames.add(samples.count, ordering: .relaxed)
        }
    }

    private var recordingsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/VHRDevices/Simulated/Recordings")
    }

    /// Reads every frame the ring holds from `cursor` on.
    private func drain(_ ring: SampleRing, from cursor: UInt64 = 0) -> (SampleRing.ReadResult, [Int16]) {
        var buffer = [Int16](repeating: 0, count: ring.capacity * ring.format.channels)
        let result = buffer.withUnsafeMutableBufferPointer { ring.read(from: cursor, into: $0) }
        return (result, Array(buffer.prefix(result.count * ring.format.channels)))
    }

    private func temporaryWAV(_ wav: WAVFile) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("vhr-steth-\(UUID().uuidString).wav").path
        try Data(wav.encoded()).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func listsTheBundledRecordings() {
        #expect(
            SimulatedStethoscope.bundledRecordings == [
                "physionet2016_c0002_mr", "physionet2016_c0003_normal", "physionet2016_c0017_as",
            ])
    }

    @Test func parsesSources() throws {
        #expect(
            try SimulatedStethoscope.parseSource("recording:physionet2016_c0003_normal")
                == .recording("physionet2016_c0003_normal"))
        #expect(try SimulatedStethoscope.parseSource("file:/srv/a:b.wav") == .file("/srv/a:b.wav"))
        #expect(try SimulatedStethoscope.parseSource("synthetic") == .defaultSynthetic)
        #expect(
            try SimulatedStethoscope.parseSource("synthetic:rate=2000,bpm=80.5,murmur=1,seed=7")
                == .synthetic(sampleRate: 2000, heartRate: 80.5, murmur: true, seed: 7))
        #expect(
            try SimulatedStethoscope.parseSource(" synthetic:seed=9 ")
                == .synthetic(sampleRate: 4000, heartRate: 72, murmur: false, seed: 9))
        for source: SimulatedStethoscope.Source in [
            .recording("x"), .file("/tmp/a.wav"), .defaultSynthetic,
            .synthetic(sampleRate: 8000, heartRate: 61.5, murmur: true, seed: 3),
        ] {
            #expect(try SimulatedStethoscope.parseSource(source.description) == source)
        }
    }

    @Test(arguments: [
        "", "recording", "recording:", "file:", "microphone:x", "synthetic:rate=fast", "synthetic:rate=0",
        "synthetic:bpm=-3", "synthetic:murmur=maybe", "synthetic:seed=-1", "synthetic:volume=3",
        "synthetic:rate=4000,rate=8000", "synthetic:rate",
    ])
    func rejectsBadSources(text: String) {
        #expect {
            try SimulatedStethoscope.parseSource(text)
        } throws: { error in
            let error = error as? DeviceError
            return error?.code == .invalidData && error?.hint?.contains("synthetic") == true
        }
    }

    @Test func missingRecordingOrFileSaysWhatToDo() {
        #expect {
            try SimulatedStethoscope(info: info, source: .recording("nope"))
        } throws: { error in
            let error = error as? DeviceError
            return error?.code == .notFound && error?.message.contains("nope") == true
                && error?.hint?.contains("physionet2016_c0003_normal") == true
        }
        #expect(throws: DeviceError.self) {
            try SimulatedStethoscope(info: info, source: .recording("../Recordings/physionet2016_c0003_normal"))
        }
        #expect {
            try SimulatedStethoscope(info: info, source: .file("/nonexistent/heart.wav"))
        } throws: { error in
            let error = error as? DeviceError
            return error?.code == .notFound && error?.message.contains("/nonexistent/heart.wav") == true
        }
    }

    @Test func rejectsFilesThatAreNot16BitPCM() throws {
        var bytes = WAVFile(format: AudioFormat(sampleRate: 2000), samples: [1, 2, 3, 4]).encoded()
        bytes[34] = 24  // bits per sample
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-\(UUID().uuidString).wav").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try SimulatedStethoscope(info: info, source: .file(path))
        } throws: { error in
            let error = error as? DeviceError
            return error?.code == .invalidData && error?.message.contains(path) == true
                && error?.hint?.contains("sox") == true
        }
    }

    @Test func rejectsOutOfRangeSettings() {
        #expect(throws: DeviceError.self) {
            try SimulatedStethoscope(
                info: info, source: .synthetic(sampleRate: 100, heartRate: 72, murmur: false, seed: 0))
        }
        #expect(throws: DeviceError.self) {
            try SimulatedStethoscope(
                info: info, source: .synthetic(sampleRate: 4000, heartRate: 400, murmur: false, seed: 0))
        }
        #expect(throws: DeviceError.self) {
            try SimulatedStethoscope(info: info, source: .defaultSynthetic, blockMilliseconds: 0)
        }
    }

    @Test func deliversTheRecordingUnchangedInRealTime() throws {
        let stethoscope = try SimulatedStethoscope(info: info, source: .recording("physionet2016_c0003_normal"))
        #expect(stethoscope.format == AudioFormat(sampleRate: 2000))
        let file = try WAVFile(
            bytes: Data(contentsOf: recordingsDirectory.appendingPathComponent("physionet2016_c0003_normal.wav")))
        let ring = SampleRing(format: stethoscope.format, capacity: 4096)

        let before = MonotonicClock.now()
        try stethoscope.start(sink: ring)
        let started = MonotonicClock.now()
        // Wait until 0.3 s of audio (600 frames) has arrived and see how long that took.
        while ring.writeIndex < 600 { MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000) }
        let arrived = MonotonicClock.now()
        stethoscope.stop()

        let elapsed = Double(arrived - before) / 1e9
        #expect(abs(elapsed - 0.3) < 0.06, "0.3 s of audio took \(elapsed) s")
        // Frame k was captured at start + k / rate.
        #expect(ring.captureTime(ofIndex: 0) >= before && ring.captureTime(ofIndex: 0) <= started)
        #expect(ring.captureTime(ofIndex: 600) - ring.captureTime(ofIndex: 0) == 300_000_000)

        let (result, samples) = drain(ring)
        #expect(result.firstIndex == 0 && result.lost == 0)
        #expect(samples.count >= 600)
        #expect(samples == Array(file.samples.prefix(samples.count)))
    }

    @Test func loopsSeamlesslyAcrossTheEndOfTheRecording() throws {
        // 0.1 s of a distinctive ramp; 3 ms blocks (6 frames) do not divide its 200 frames.
        let recording = (0..<200).map { Int16($0 * 37 - 3000) }
        let path = try temporaryWAV(WAVFile(format: AudioFormat(sampleRate: 2000), samples: recording))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stethoscope = try SimulatedStethoscope(info: info, source: .file(path), blockMilliseconds: 3)
        let ring = SampleRing(format: stethoscope.format, capacity: 4096)
        try stethoscope.start(sink: ring)
        while ring.writeIndex < 700 { MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000) }
        stethoscope.stop()

        let (result, samples) = drain(ring)
        #expect(result.firstIndex == 0 && result.lost == 0)
        #expect(samples.count >= 700 && samples.count % 6 == 0, "whole blocks only")
        #expect(samples.indices.allSatisfy { samples[$0] == recording[$0 % 200] })
    }

    @Test func stereoFilesLoopByFrames() throws {
        let recording = (0..<(2 * 50)).map { Int16($0) }
        let path = try temporaryWAV(WAVFile(format: AudioFormat(sampleRate: 2000, channels: 2), samples: recording))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stethoscope = try SimulatedStethoscope(info: info, source: .file(path), blockMilliseconds: 7)
        #expect(stethoscope.format == AudioFormat(sampleRate: 2000, channels: 2))
        let ring = SampleRing(format: stethoscope.format, capacity: 1024)
        try stethoscope.start(sink: ring)
        while ring.writeIndex < 120 { MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000) }
        stethoscope.stop()
        let (_, samples) = drain(ring)
        #expect(samples.count >= 240)
        #expect(samples.indices.allSatisfy { samples[$0] == recording[$0 % 100] })
    }

    @Test func syntheticSourceMatchesTheSynthesizer() throws {
        let stethoscope = try SimulatedStethoscope(
            info: info, source: .synthetic(sampleRate: 4000, heartRate: 90, murmur: true, seed: 11),
            blockMilliseconds: 5)
        #expect(stethoscope.format == AudioFormat(sampleRate: 4000))
        let ring = SampleRing(format: stethoscope.format, capacity: 4096)
        try stethoscope.start(sink: ring)
        while ring.writeIndex < 400 { MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000) }
        stethoscope.stop()
        let (_, samples) = drain(ring)
        var synthesizer = HeartSoundSynthesizer(sampleRate: 4000, heartRate: 90, murmur: true, seed: 11)
        var expected = [Int16](repeating: 0, count: samples.count)
        expected.withUnsafeMutableBufferPointer { synthesizer.render(into: $0) }
        #expect(samples == expected)
    }

    @Test func noWriteAfterStopAndRestartIsPossible() throws {
        let stethoscope = try SimulatedStethoscope(info: info, source: .defaultSynthetic, blockMilliseconds: 2)
        let sink = CountingSink()
        try stethoscope.start(sink: sink)
        #expect(throws: DeviceError.self) { try stethoscope.start(sink: sink) }
        while sink.writes.load(ordering: .relaxed) < 5 { MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000) }
        stethoscope.stop()
        let writes = sink.writes.load(ordering: .relaxed)
        MonotonicClock.sleep(until: MonotonicClock.now() + 30_000_000)
        #expect(sink.writes.load(ordering: .relaxed) == writes)
        #expect(sink.frames.load(ordering: .relaxed) == writes * 8, "2 ms blocks at 4000 Hz")
        stethoscope.stop()  // a second stop is harmless

        try stethoscope.start(sink: sink)
        while sink.writes.load(ordering: .relaxed) < writes + 3 {
            MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000)
        }
        stethoscope.stop()
    }

    @Test func releasingARunningStethoscopeStopsIt() throws {
        let sink = CountingSink()
        do {
            let stethoscope = try SimulatedStethoscope(info: info, source: .defaultSynthetic, blockMilliseconds: 2)
            try stethoscope.start(sink: sink)
            while sink.writes.load(ordering: .relaxed) < 2 {
                MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000)
            }
        }
        let writes = sink.writes.load(ordering: .relaxed)
        MonotonicClock.sleep(until: MonotonicClock.now() + 20_000_000)
        #expect(sink.writes.load(ordering: .relaxed) == writes)
    }
}
