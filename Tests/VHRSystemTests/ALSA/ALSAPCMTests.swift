import Foundation
import Glibc
import Testing
import VHRSystem

@Suite struct ALSAPCMTests {
    /// Every code `snd_pcm_readi` can return, with what the capture loop must do about it.
    static let readErrors: [(code: Int32, action: ALSAPCM.ReadErrorAction)] = [
        (-EPIPE, .recoverOverrun),
        (-ESTRPIPE, .recoverSuspend),
        (-EAGAIN, .retry), (-EINTR, .retry),
        (-ENODEV, .deviceGone), (-EBADFD, .deviceGone), (-ENXIO, .deviceGone), (-ENOENT, .deviceGone),
        (-EIO, .fail), (-EINVAL, .fail), (-ENOMEM, .fail), (-500_000, .fail),
    ]

    @Test func readErrorsMapToTheirAction() {
        for row in Self.readErrors {
            #expect(ALSAPCM.classify(readError: row.code) == row.action, "code \(row.code)")
        }
        let actions: [ALSAPCM.ReadErrorAction] = [.recoverOverrun, .recoverSuspend, .retry, .deviceGone, .fail]
        #expect(
            Set(Self.readErrors.map { "\($0.action)" }) == Set(actions.map { "\($0)" }), "every action is reachable")
    }

    @Test func anUnknownNameIsNoDeviceWithAHint() {
        #expect {
            _ = try ALSAPCM(
                name: "vhr_no_such_pcm", configuration: .init(channels: 1, rate: 48_000, periodFrames: 480, periods: 4))
        } throws: { error in
            guard let error = error as? ALSAError else { return false }
            return error.code == -ENOENT && error.kind == .noDevice && error.operation == "snd_pcm_open"
                && error.card == "vhr_no_such_pcm" && error.hint != nil
        }
    }

    /// What the child probe saw through the file plugin.
    struct ProbeReport: Codable {
        var negotiatedRate: Int
        var negotiatedPeriod: Int
        var negotiatedBuffer: Int
        var samples: [Int16]
        var timestampsPlausible: Bool
        var readsBeforeFailure: Int
        var failureKind: String
        var failureOperation: String
    }

    @Test func capturesTheFilePluginsSamplesExactly() async throws {
        // A ramp: any lost, repeated or reordered sample shows.
        let input = (0..<4800).map { Int16(truncatingIfNeeded: $0 * 7 - 16_000) }
        let data = try await FakeALSA.runChild(probe: "ALSAPCMChildProbe", samples: input)
        let report = try JSONDecoder().decode(ProbeReport.self, from: data)
        #expect(report.negotiatedRate == 48_000)
        #expect(report.negotiatedPeriod == 480)
        #expect(report.negotiatedBuffer == 1920)
        #expect(report.samples == input)
        #expect(report.timestampsPlausible)
        // The /dev/full copy fails after a few periods (every fifth with alsa-lib 1.2.8), as a device
        // failing mid-stream.
        #expect((1..<100).contains(report.readsBeforeFailure))
        #expect(report.failureKind == "other")
        #expect(report.failureOperation == "snd_pcm_readi")
    }
}

/// Runs in a child process with the fake PCMs configured (see `FakeALSA`).
@Suite struct ALSAPCMChildProbe {
    @Test func probe() throws {
        guard let output = FakeALSA.childOutputPath else {
            // In the whole suite, on the host: the fakes are not configured, so the name is unknown.
            #expect(throws: ALSAError.self) {
                _ = try ALSAPCM(
                    name: "vhr_fakesteth",
                    configuration: .init(channels: 1, rate: 48_000, periodFrames: 480, periods: 4))
            }
            return
        }
        let configuration = ALSAPCM.Configuration(channels: 1, rate: 48_000, periodFrames: 480, periods: 4)
        let pcm = try ALSAPCM(name: "vhr_fakesteth", configuration: configuration)
        try pcm.start()
        var samples: [Int16] = []
        var plausible = true
        var block = [Int16](repeating: 0, count: 480)
        while samples.count < 4800 {
            let result = try block.withUnsafeMutableBufferPointer { try pcm.read(into: $0) }
            guard case .frames(let count) = result else { throw ProbeError("unexpected \(result)") }
            let now = MonotonicClock.now()
            if let stamp = pcm.captureTimestamp(ofFramesJustRead: count) {
                plausible = plausible && stamp <= now && stamp > now - 1_000_000_000
            }
            samples += block.prefix(count)
        }
        pcm.close()
        pcm.close()  // a second close does nothing
        #expect(throws: ALSAError.self) { _ = try block.withUnsafeMutableBufferPointer { try pcm.read(into: $0) } }

        let failing = try ALSAPCM(name: "vhr_failing", configuration: configuration)
        var reads = 0
        var failure: ALSAError?
        while failure == nil && reads < 100 {
            do throws(ALSAError) {
                _ = try block.withUnsafeMutableBufferPointer { (buffer) throws(ALSAError) in
                    try failing.read(into: buffer)
                }
                reads += 1
            } catch {
                failure = error
            }
        }
        let report = ALSAPCMTests.ProbeReport(
            negotiatedRate: pcm.negotiated.rate, negotiatedPeriod: pcm.negotiated.periodFrames,
            negotiatedBuffer: pcm.negotiated.bufferFrames, samples: samples, timestampsPlausible: plausible,
            readsBeforeFailure: reads, failureKind: failure.map { "\($0.kind)" } ?? "none",
            failureOperation: failure?.operation ?? "")
        try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: output))
    }
}

private struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Capture PCMs without a sound card: `Tests/Fixtures/alsa/fakesteth.conf` (ALSA's file plugin
/// over the null plugin), loaded through `ALSA_CONFIG_PATH` in a child process of this test
/// binary. The child has the variable from its start, so no `setenv` races the parallel tests
/// and alsa-lib's global configuration in this process stays the host's.
private enum FakeALSA {
    static let outputVariable = "VHR_ALSA_CHILD"
    static let directoryVariable = "VHR_ALSA_DIR"

    /// The output path when this process is a child probe, else `nil`.
    static var childOutputPath: String? { ProcessInfo.processInfo.environment[outputVariable] }
    /// The child's fixture directory (with `in.raw` and `late.conf`).
    static var childDirectory: String? { ProcessInfo.processInfo.environment[directoryVariable] }

    static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/alsa/fakesteth.conf").path
    }

    /// Writes the fixture and `samples` into a fresh directory, runs the test `probe` of this
    /// binary in a child with the fakes configured, and returns what the probe wrote.
    static func runChild(probe: String, samples: [Int16], timeout: TimeInterval = 120) async throws -> Data {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let text = try String(contentsOfFile: fixture, encoding: .utf8)
        try text.replacingOccurrences(of: "@DIR@", with: directory.path)
            .write(toFile: directory.file("fakesteth.conf"), atomically: true, encoding: .utf8)
        try "# vhr_late appears here during the test\n".write(
            toFile: directory.file("late.conf"), atomically: true, encoding: .utf8)
        try samples.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: directory.file("in.raw")))

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        child.arguments = ["--testing-library", "swift-testing", "--filter", probe]
        var environment = ProcessInfo.processInfo.environment
        environment["ALSA_CONFIG_PATH"] =
            "/usr/share/alsa/alsa.conf:\(directory.file("fakesteth.conf")):\(directory.file("late.conf"))"
        environment[outputVariable] = directory.file("report.json")
        environment[directoryVariable] = directory.path
        child.environment = environment
        let log = directory.file("child.log")
        guard FileManager.default.createFile(atPath: log, contents: nil) else {
            throw ProbeError("cannot create \(log) for the child's output")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        child.standardOutput = handle
        child.standardError = handle
        try child.run()
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning {
            if Date() > deadline {
                child.terminate()
                child.waitUntilExit()
                throw ProbeError("the child probe \(probe) did not finish within \(Int(timeout)) s")
            }
            // Task.sleep, not Thread.sleep: a blocked cooperative thread stalls other tests.
            try await Task.sleep(for: .milliseconds(20))
        }
        let childLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard child.terminationStatus == 0 else {
            throw ProbeError("the child probe \(probe) exited with \(child.terminationStatus):\n\(childLog)")
        }
        guard let data = FileManager.default.contents(atPath: directory.file("report.json")), !data.isEmpty else {
            throw ProbeError("the child probe \(probe) wrote nothing (did the filter select it?):\n\(childLog)")
        }
        return data
    }
}
