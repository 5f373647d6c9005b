import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem

private let cuffInfo = DeviceInfo(
    id: "cuff", kind: .bloodPressureCuff, profile: "suntech-advantage", model: "SunTech Advantage",
    transport: "serial", simulated: false)

private let fixedNow = Date(timeIntervalSince1970: 1_800_000_000)

/// The fixture's result: 115/74 mmHg, MAP 88, heart rate 85.
private let fixtureReading = BloodPressureReading(
    systolic: 115, diastolic: 74, meanArterial: 88, pulse: 85, measuredAt: fixedNow)

/// Short timeouts, so silence is noticed in well under a second; generous enough for a loaded
/// machine, since the fake answers at once.
private let fastSettings = SunTechCuff.Settings(
    pollInterval: .milliseconds(20), responseTimeout: .milliseconds(400), retries: 1, busyRetries: 3,
    busyDelay: .milliseconds(10), reconnectInterval: .milliseconds(30), idlePoll: .milliseconds(20))

/// Collects what a cuff delivers, in order.
private final class Recorder: Sendable {
    private let received = Mutex<[CuffEvent]>([])

    var handler: @Sendable (CuffEvent) -> Void {
        { [self] event in self.received.withLock { $0.append(event) } }
    }

    var events: [CuffEvent] { received.withLock { $0 } }

    var outcomes: [CuffEvent] {
        events.filter {
            switch $0 {
            case .completed, .failed: true
            default: false
            }
        }
    }

    var pressures: [CuffPressure] {
        events.compactMap {
            if case .pressure(let pressure) = $0 { return pressure }
            return nil
        }
    }

    func count(of event: CuffEvent) -> Int { events.filter { $0 == event }.count }
}

/// Waits, a bounded real time, for something the driver's thread does.
// A guard against hangs, not a timing check: a loaded 2-core machine can hold a test up for seconds.
private func eventually(within timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

private func deviceErrorCode(_ body: () async throws(DeviceError) -> Void) async -> DeviceError.Code? {
    do {
        try await body()
        return nil
    } catch {
        #expect(!error.message.isEmpty && error.hint != nil)
        return error.code
    }
}

/// A started cuff on a fake module, torn down by `finish()`.
private struct Bench {
    let module: FakeSunTechModule
    let cuff: SunTechCuff
    let recorder = Recorder()

    init(
        _ script: FakeSunTechModule.Script = .init(), settings: SunTechCuff.Settings = fastSettings,
        clock: any Clock<Duration> = ContinuousClock(), plugged: Bool = true
    ) async throws {
        module = try FakeSunTechModule(script: script, plugged: plugged)
        cuff = SunTechCuff(
            info: cuffInfo, link: SerialLink(path: module.path), settings: settings, clock: clock, now: { fixedNow })
        try await cuff.start(events: recorder.handler)
    }

    func finish() async {
        await cuff.stop()
        module.shutDown()
    }

    /// Starts a measurement and waits for its outcome.
    func measure() async throws -> CuffEvent? {
        let before = recorder.outcomes.count
        try await cuff.startMeasurement()
        #expect(await eventually { recorder.outcomes.count > before })
        return recorder.outcomes.last
    }
}

@Suite struct SunTechCuffTests {
    @Test func aFullMeasurementReportsLivePressureAndTheResult() async throws {
        let bench = try await Bench()
        #expect(await eventually { bench.recorder.events == [.connected] })
        #expect(bench.cuff.canStartRemotely && bench.cuff.isConnected)

        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()

        let events = bench.recorder.events
        #expect(events.first == .connected && events.dropFirst().first == .started)
        #expect(events.last == .completed(fixtureReading))
        let pressures = bench.recorder.pressures
        #expect(pressures.map(\.pressure) == [30, 90, 160, 220, 258, 240, 200, 160, 120, 90, 60])
        // Up to the peak it inflates, then it deflates.
        #expect(pressures.prefix(5).allSatisfy { $0.phase == .inflating })
        #expect(pressures.dropFirst(5).allSatisfy { $0.phase == .deflating })
        #expect(zip(pressures, pressures.dropFirst()).allSatisfy { $0.elapsed <= $1.elapsed })

        // On the wire: the fixture's own host frames.
        let sent = bench.module.received
        #expect(sent.first?.bytes == SunTechFixture.frame("suntech.start_bp"))
        #expect(sent.filter { $0 == .getCuffPressure }.count == 12)
        #expect(SunTechCommand.getCuffPressure.bytes == SunTechFixture.frame("suntech.get_cuff_pressure"))
        #expect(sent.last?.bytes == SunTechFixture.frame("suntech.get_bp_data"))
    }

    enum Delivery: String, CaseIterable, Sendable {
        case byteByByte, randomSplits, garbageBetweenFrames
    }

    @Test(arguments: Delivery.allCases)
    func framesArriveWhateverTheLineDoesToThem(_ delivery: Delivery) async throws {
        var script = FakeSunTechModule.Script()
        switch delivery {
        case .byteByByte: script.splitSizes = 1...1
        case .randomSplits: script.splitSizes = 1...7
        case .garbageBetweenFrames:
            // Noise, a stray start byte with an impossible length, and the fixture's frame
            // with a bad checksum.
            script.garbage = [0x00, 0xFF, 0x3E, 0x00] + SunTechFixture.frame("suntech.resp.cuff_pressure_bad_checksum")
            script.splitSizes = 1...5
        }
        let bench = try await Bench(script)
        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()
        #expect(bench.recorder.pressures.map(\.pressure) == [30, 90, 160, 220, 258, 240, 200, 160, 120, 90, 60])
        // No bad frame became a pressure (the bad-checksum one says 258 too, but once per reply).
        #expect(bench.recorder.count(of: .started) == 1)
    }

    @Test(arguments: [
        (UInt8(87), CuffFailure.cuffLoose), (2, .motion), (89, .pressureTooHigh), (86, .aborted),
        // A module fault the patient cannot fix: reported as timed out, which sends a technician.
        (90, .timedOut),
    ])
    func aModuleErrorCodeFailsTheMeasurement(code: UInt8, failure: CuffFailure) async throws {
        var script = FakeSunTechModule.Script()
        script.pressures = [40, 110, 150, 120]
        script.end = .error
        script.result = SunTechFixture.result(errorCode: code)
        let bench = try await Bench(script)
        #expect(try await bench.measure() == .failed(failure))
        #expect(bench.cuff.lastModuleFailure?.code == code)
        // The cuff is idle again and measures normally next time.
        bench.module.update {
            $0.end = .completed
            $0.result = SunTechFixture.frame("suntech.resp.bp_data")
        }
        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()
    }

    @Test func abortDeflatesAndReportsAborted() async throws {
        var script = FakeSunTechModule.Script()
        script.endless = true
        let bench = try await Bench(script)
        try await bench.cuff.startMeasurement()
        #expect(await eventually { bench.recorder.pressures.count >= 3 })
        await bench.cuff.abortMeasurement()
        // abortMeasurement returns once the failure is delivered.
        #expect(bench.recorder.outcomes == [.failed(.aborted)])
        #expect(bench.module.received.contains(.abort))
        // Idle again: abort is a no-op, and a new measurement can start.
        await bench.cuff.abortMeasurement()
        #expect(bench.recorder.outcomes == [.failed(.aborted)])
        bench.module.update { $0.endless = false }
        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()
    }

    @Test func aModuleThatFallsSilentFailsTheMeasurementAsTimedOut() async throws {
        var script = FakeSunTechModule.Script()
        script.silentAfterPolls = 3
        let bench = try await Bench(script)
        #expect(try await bench.measure() == .failed(.timedOut))
        #expect(bench.recorder.pressures.count == 3)
        // It was asked again (retries) before giving up, then told to let the air out.
        #expect(bench.module.received.filter { $0 == .getCuffPressure }.count == 3 + 1 + fastSettings.retries)
        #expect(await eventually { bench.module.received.last == .abort })
        await bench.finish()
    }

    @Test func aModuleThatNeverAnswersTheStartFailsItsCaller() async throws {
        var script = FakeSunTechModule.Script()
        script.startAnswers = [nil, nil]
        let bench = try await Bench(script)
        let code = await deviceErrorCode { () async throws(DeviceError) in try await bench.cuff.startMeasurement() }
        #expect(code == .timedOut)
        #expect(bench.recorder.count(of: .started) == 0 && bench.recorder.outcomes.isEmpty)
        // Sent once and retried once, then told to stand down in case only its answers were lost.
        #expect(await eventually { bench.module.received == [.startAdult, .startAdult, .abort] })
        // The next start is answered, and the measurement runs.
        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()
    }

    @Test func aBusyModuleIsAskedAgain() async throws {
        var script = FakeSunTechModule.Script()
        script.startAnswers = [.busy, .busy, .received]
        let bench = try await Bench(script)
        #expect(try await bench.measure() == .completed(fixtureReading))
        #expect(bench.module.received.prefix(3) == [.startAdult, .startAdult, .startAdult])
        await bench.finish()

        var refusing = FakeSunTechModule.Script()
        refusing.startAnswers = [.rejected]
        let second = try await Bench(refusing)
        let code = await deviceErrorCode { () async throws(DeviceError) in try await second.cuff.startMeasurement() }
        #expect(code == .notSupported)
        await second.finish()
    }

    @Test func unpluggingMidMeasurementFailsItThenReconnects() async throws {
        var script = FakeSunTechModule.Script()
        script.unplugAfterPolls = 4
        let bench = try await Bench(script)
        try await bench.cuff.startMeasurement()
        #expect(await eventually { bench.recorder.events.last == .disconnected })
        #expect(Array(bench.recorder.events.suffix(2)) == [.failed(.disconnected), .disconnected])
        #expect(bench.recorder.pressures.count == 3)
        #expect(!bench.cuff.isConnected)
        let refused = await deviceErrorCode { () async throws(DeviceError) in try await bench.cuff.startMeasurement() }
        #expect(refused == .disconnected)

        bench.module.update { $0.unplugAfterPolls = nil }
        try bench.module.plugIn()
        #expect(await eventually { bench.recorder.events.last == .connected })
        #expect(bench.recorder.count(of: .connected) == 2)
        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()
    }

    @Test func aPortThatIsNotThereYetIsWaitedFor() async throws {
        let bench = try await Bench(plugged: false)
        // start did not fail; nothing is connected yet.
        try await Task.sleep(for: .milliseconds(100))
        #expect(bench.recorder.events.isEmpty && !bench.cuff.isConnected)
        let refused = await deviceErrorCode { () async throws(DeviceError) in try await bench.cuff.startMeasurement() }
        #expect(refused == .disconnected)
        try bench.module.plugIn()
        #expect(await eventually { bench.recorder.events == [.connected] })
        #expect(try await bench.measure() == .completed(fixtureReading))
        await bench.finish()
    }

    @Test func aPortHeldByAnotherProcessFailsStart() async throws {
        let module = try FakeSunTechModule()
        let holder = try SerialPort(path: module.path, settings: .standard9600)
        let cuff = SunTechCuff(info: cuffInfo, link: SerialLink(path: module.path), settings: fastSettings)
        let code = await deviceErrorCode { () async throws(DeviceError) in try await cuff.start(events: { _ in }) }
        #expect(code == .busy)
        holder.close()
        // Once it is free, the same cuff starts.
        let recorder = Recorder()
        try await cuff.start(events: recorder.handler)
        #expect(await eventually { recorder.events == [.connected] })
        let twice = await deviceErrorCode { () async throws(DeviceError) in try await cuff.start(events: { _ in }) }
        #expect(twice == .busy)
        await cuff.stop()
        module.shutDown()
    }

    @Test func aSecondStartWhileMeasuringIsBusyAndNothingIsDeliveredAfterStop() async throws {
        var script = FakeSunTechModule.Script()
        script.endless = true
        let bench = try await Bench(script)
        try await bench.cuff.startMeasurement()
        let busy = await deviceErrorCode { () async throws(DeviceError) in try await bench.cuff.startMeasurement() }
        #expect(busy == .busy)
        #expect(await eventually { bench.recorder.pressures.count >= 2 })
        await bench.cuff.stop()
        let count = bench.recorder.events.count
        // Stopping mid-measurement deflated the cuff on the module, without an event.
        #expect(bench.module.received.last == .abort)
        #expect(bench.recorder.outcomes.isEmpty)
        try await Task.sleep(for: .milliseconds(100))
        #expect(bench.recorder.events.count == count)
        let stopped = await deviceErrorCode { () async throws(DeviceError) in try await bench.cuff.startMeasurement() }
        #expect(stopped == .disconnected)
        await bench.finish()
    }

    @Test func aMeasurementThatNeverEndsIsAbortedAfterTheTimeoutOnTheInjectedClock() async throws {
        var script = FakeSunTechModule.Script()
        script.endless = true
        let clock = ManualClock()
        var settings = fastSettings
        settings.measurementTimeout = .seconds(180)
        let bench = try await Bench(script, settings: settings, clock: clock)
        try await bench.cuff.startMeasurement()
        #expect(await eventually { bench.recorder.pressures.count >= 3 })
        // Real time has passed, the clock's has not: still measuring, elapsed 0 s.
        #expect(bench.recorder.outcomes.isEmpty)
        #expect(bench.recorder.pressures.allSatisfy { $0.elapsed == 0 })
        clock.advance(by: .seconds(181))
        #expect(await eventually { !bench.recorder.outcomes.isEmpty })
        #expect(bench.recorder.outcomes == [.failed(.timedOut)])
        #expect(bench.module.received.contains(.abort))
        await bench.finish()
    }

    @Test func settingsParseTheRoomOptions() throws {
        let settings = try SunTechCuff.Settings.parse(options: ["patient-mode": "pediatric", "initial-inflate": "160"])
        #expect(settings.patientMode == .pediatric && settings.initialInflate == 160)
        #expect(settings.patientMode.startCommand == .startPediatric)
        for options in [["patient-mode": "cat"], ["initial-inflate": "400"], ["speed": "fast"]] {
            #expect(throws: DeviceError.self) { try SunTechCuff.Settings.parse(options: options) }
        }
    }

    @Test func theInitialInflationIsSentBeforeTheStart() async throws {
        var settings = fastSettings
        settings.initialInflate = 180
        settings.patientMode = .neonate
        let module = try FakeSunTechModule()
        let cuff = SunTechCuff(
            info: cuffInfo, link: SerialLink(path: module.path), settings: settings, now: { fixedNow })
        let recorder = Recorder()
        try await cuff.start(events: recorder.handler)
        #expect(await eventually { recorder.events == [.connected] })
        try await cuff.startMeasurement()
        #expect(await eventually { recorder.outcomes == [.completed(fixtureReading)] })
        #expect(module.received.prefix(2) == [.setInitialInflate(mmHg: 180), .startNeonate])
        await cuff.stop()
        module.shutDown()
    }
}
