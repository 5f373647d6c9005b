import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices

private let cuffInfo = DeviceInfo(
    id: "cuff", kind: .bloodPressureCuff, profile: "simulated-bp-cuff", model: "Simulated cuff",
    transport: "simulated", simulated: true)

private let fixedNow = Date(timeIntervalSince1970: 1_800_000_000)

/// Collects what a cuff delivers, in order.
private final class Recorder: Sendable {
    private let received = Mutex<[CuffEvent]>([])

    var handler: @Sendable (CuffEvent) -> Void {
        { [self] event in self.received.withLock { $0.append(event) } }
    }

    var events: [CuffEvent] {
        received.withLock { $0 }
    }

    /// The results and failures, one per measurement.
    var outcomes: [CuffEvent] {
        events.filter {
            switch $0 {
            case .completed, .failed: true
            default: false
            }
        }
    }

    func count(of event: CuffEvent) -> Int {
        events.filter { $0 == event }.count
    }
}

/// Waits, a bounded real time, for something another task does.
// A guard against hangs, not a timing check: a loaded 2-core machine can hold a test up for seconds.
private func eventually(within timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

private func makeCuff(
    _ settings: SimulatedCuff.Settings, clock: any Clock<Duration> = ContinuousClock()
) async throws -> (SimulatedCuff, Recorder) {
    let cuff = SimulatedCuff(info: cuffInfo, settings: settings, clock: clock, now: { fixedNow })
    let recorder = Recorder()
    try await cuff.start(events: recorder.handler)
    return (cuff, recorder)
}

/// Runs one measurement on a manual clock to its end and returns its outcome.
private func measureOnce(_ cuff: SimulatedCuff, _ clock: ManualClock, _ recorder: Recorder) async throws -> CuffEvent? {
    let before = recorder.outcomes.count
    try await cuff.startMeasurement()
    // The measuring task takes its origin from the clock; let it start before time moves.
    #expect(await eventually { clock.sleeperCount == 1 })
    clock.advance(by: .seconds(300))
    #expect(await eventually { recorder.outcomes.count > before })
    return recorder.outcomes.last
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

@Suite struct SimulatedCuffTests {
    @Test func atTimeScale40AMeasurementTakesAboutASecond() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(timeScale: 40, faultRate: 0, seed: 1), clock: clock)
        try await cuff.startMeasurement()
        #expect(await eventually { clock.sleeperCount == 1 })
        // Half a second of clock time is 20 s of simulated time: mid-measurement.
        clock.advance(by: .milliseconds(500))
        #expect(await eventually { clock.sleeperCount == 1 && recorder.events.count >= 102 })
        guard case .pressure(let midway) = recorder.events.last else {
            Issue.record("expected a pressure report, got \(String(describing: recorder.events.last))")
            return
        }
        #expect(abs(midway.elapsed - 20) < 1e-6)
        #expect(recorder.outcomes.isEmpty)
        // 45 s of simulated time, the longest a measurement takes, is 1.125 s of clock time.
        clock.advance(by: .milliseconds(625))
        #expect(await eventually { !recorder.outcomes.isEmpty })
        await cuff.stop()
        #expect(recorder.outcomes.count == 1)
    }

    @Test func aWholeMeasurementRunsInOrderOnTheRealClock() async throws {
        let (cuff, recorder) = try await makeCuff(.init(timeScale: 1000, faultRate: 0, seed: 1))
        let wall = ContinuousClock()
        let began = wall.now
        try await cuff.startMeasurement()
        #expect(await eventually { !recorder.outcomes.isEmpty })
        // Nominally 40 ms. Not a timing test: the bound only proves the time scale applied
        // (unscaled, the measurement would take 25 to 45 s) on however loaded a machine.
        #expect(began.duration(to: wall.now) < .seconds(20))
        await cuff.stop()

        let events = recorder.events
        #expect(Array(events.prefix(2)) == [.connected, .started])
        guard case .completed(let reading) = events.last else {
            Issue.record("expected a result, got \(String(describing: events.last))")
            return
        }
        let reports = events.dropFirst(2).dropLast()
        #expect(reports.count > 100)
        var lastElapsed = 0.0
        for event in reports {
            guard case .pressure(let report) = event else {
                Issue.record("unexpected \(event) among the pressures")
                continue
            }
            #expect(report.elapsed > lastElapsed)
            lastElapsed = report.elapsed
        }
        // Elapsed is simulated time: a real measurement's length, not the wall time it took.
        #expect((25...45).contains(lastElapsed))
        #expect(reading.measuredAt == fixedNow)
        let patient = cuff.patient
        #expect(abs(reading.systolic - patient.systolic) <= 5)
        #expect(abs(reading.diastolic - patient.diastolic) <= 5)
    }

    @Test func busyWhileMeasuring() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 2), clock: clock)
        try await cuff.startMeasurement()
        #expect(await deviceErrorCode { () async throws(DeviceError) in try await cuff.startMeasurement() } == .busy)
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(300))
        #expect(await eventually { recorder.outcomes.count == 1 })
        // Idle again the moment the result is out.
        try await cuff.startMeasurement()
        await cuff.stop()
    }

    @Test func startingTwiceOrMeasuringUnopenedFails() async throws {
        let cuff = SimulatedCuff(info: cuffInfo, settings: .init(seed: 3), clock: ManualClock())
        #expect(cuff.canStartRemotely)
        #expect(
            await deviceErrorCode { () async throws(DeviceError) in try await cuff.startMeasurement() } == .disconnected
        )
        try await cuff.start(events: { _ in })
        #expect(
            await deviceErrorCode { () async throws(DeviceError) in try await cuff.start(events: { _ in }) } == .busy)
        await cuff.stop()
    }

    @Test func abortExhaustsThenFails() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 4), clock: clock)
        try await cuff.startMeasurement()
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(20))
        #expect(await eventually { clock.sleeperCount == 1 && recorder.events.count > 90 })

        async let aborted: Void = cuff.abortMeasurement()
        #expect(await eventually { recorder.outcomes.count == 0 && clock.sleeperCount == 1 })
        for _ in 0..<100 where recorder.outcomes.isEmpty {
            clock.advance(by: .milliseconds(200))
            _ = await eventually { clock.sleeperCount == 1 || !recorder.outcomes.isEmpty }
        }
        await aborted
        #expect(recorder.outcomes == [.failed(.aborted)])
        let tail = recorder.events.suffix(3)
        #expect(tail.last == .failed(.aborted))
        #expect(tail.dropLast().allSatisfy { if case .pressure(let p) = $0 { p.phase == .exhausting } else { false } })
        // Aborting when idle does nothing, and a new measurement can start.
        await cuff.abortMeasurement()
        try await cuff.startMeasurement()
        await cuff.stop()
    }

    @Test func aDisconnectedCuffComesBackAfterThreeSeconds() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 5, fault: .disconnect), clock: clock)
        #expect(try await measureOnce(cuff, clock, recorder) == .failed(.disconnected))
        #expect(recorder.events.last == .disconnected)
        #expect(
            await deviceErrorCode { () async throws(DeviceError) in try await cuff.startMeasurement() } == .disconnected
        )

        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .milliseconds(2900))
        try await Task.sleep(for: .milliseconds(20))
        #expect(recorder.count(of: .connected) == 1)
        clock.advance(by: .milliseconds(100))
        #expect(await eventually { recorder.count(of: .connected) == 2 })

        cuff.inject(fault: nil)
        #expect(cuff.injectedFault == nil)
        if case .completed = try await measureOnce(cuff, clock, recorder) {
        } else {
            Issue.record("expected a result after the reconnect, got \(recorder.events.suffix(2))")
        }
        await cuff.stop()
    }

    @Test func nothingIsDeliveredAfterStop() async throws {
        let (cuff, recorder) = try await makeCuff(.init(timeScale: 20, faultRate: 0, seed: 6))
        try await cuff.startMeasurement()
        #expect(await eventually { recorder.events.count > 5 })
        await cuff.stop()
        let delivered = recorder.events.count
        try await Task.sleep(for: .milliseconds(300))
        #expect(recorder.events.count == delivered)
        #expect(recorder.outcomes.isEmpty)
        #expect(
            await deviceErrorCode { () async throws(DeviceError) in try await cuff.startMeasurement() } == .disconnected
        )

        // It can be opened again.
        try await cuff.start(events: recorder.handler)
        #expect(recorder.events.last == .connected)
        await cuff.stop()
    }

    @Test func stopDuringAReconnectWaitDeliversNothing() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 7, fault: .disconnect), clock: clock)
        _ = try await measureOnce(cuff, clock, recorder)
        #expect(await eventually { clock.sleeperCount == 1 })
        await cuff.stop()
        clock.advance(by: .seconds(10))
        try await Task.sleep(for: .milliseconds(20))
        #expect(recorder.count(of: .connected) == 1)
    }

    @Test func injectedFaultsApplyOnceOrUntilCleared() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 8), clock: clock)
        cuff.inject(fault: .motion, once: true)
        #expect(try await measureOnce(cuff, clock, recorder) == .failed(.motion))
        #expect(recorder.events.last == .failed(.motion))
        if case .completed = try await measureOnce(cuff, clock, recorder) {
        } else {
            Issue.record("a one-off fault must not repeat")
        }
        cuff.inject(fault: .cuffLoose)
        #expect(try await measureOnce(cuff, clock, recorder) == .failed(.cuffLoose))
        #expect(try await measureOnce(cuff, clock, recorder) == .failed(.cuffLoose))
        cuff.inject(fault: .noResponse, once: true)
        #expect(try await measureOnce(cuff, clock, recorder) == .failed(.timedOut))
        #expect(try await measureOnce(cuff, clock, recorder) == .failed(.cuffLoose))
        await cuff.stop()
    }

    @Test func aVisitKeepsItsPatientAndTheNextGetsANewOne() async throws {
        let clock = ManualClock()
        let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 9), clock: clock)
        let patient = cuff.patient
        for _ in 0..<4 {
            guard case .completed(let reading) = try await measureOnce(cuff, clock, recorder) else {
                Issue.record("expected a result")
                continue
            }
            #expect(abs(reading.systolic - patient.systolic) <= 5)
            #expect(abs(reading.diastolic - patient.diastolic) <= 5)
            #expect(abs(reading.pulse - patient.pulse) <= 5)
        }
        cuff.resetPatient()
        #expect(cuff.patient != patient)
        await cuff.stop()
    }

    @Test func aSeedReplaysTheSameCuff() async throws {
        var readings: [BloodPressureReading] = []
        for _ in 0..<2 {
            let clock = ManualClock()
            let (cuff, recorder) = try await makeCuff(.init(faultRate: 0, seed: 10), clock: clock)
            if case .completed(let reading) = try await measureOnce(cuff, clock, recorder) {
                readings.append(reading)
            }
            await cuff.stop()
        }
        #expect(readings.count == 2)
        #expect(readings.first == readings.last)
    }

    // MARK: - Options

    @Test func optionsParse() throws {
        let settings = try SimulatedCuff.Settings.parse(options: [
            "time-scale": "40", "fault-rate": "0.2", "seed": "123", "fault": "pressure-too-high",
        ])
        #expect(
            settings
                == SimulatedCuff.Settings(timeScale: 40, faultRate: 0.2, seed: 123, fault: .pressureTooHigh))
        #expect(try SimulatedCuff.Settings.parse(options: [:]) == SimulatedCuff.Settings())
        #expect(try SimulatedCuff.Settings.parse(options: ["fault": "none"]).fault == nil)
        for fault in CuffSimulation.Fault.allCases {
            #expect(try SimulatedCuff.Settings.parse(options: ["fault": fault.rawValue]).fault == fault)
        }
        let parameters = CuffSimulation.Parameters(maxPressure: 280)
        #expect(try SimulatedCuff.Settings.parse(options: [:], parameters: parameters).parameters == parameters)
    }

    @Test(arguments: [
        ("time-scale", "0"), ("time-scale", "fast"), ("time-scale", "inf"), ("fault-rate", "1.5"),
        ("fault-rate", "-0.1"), ("seed", "-1"), ("seed", "0x10"), ("fault", "loose"), ("speed", "2"),
    ])
    func badOptionsSayWhatToWrite(key: String, value: String) {
        do {
            // A good option beside the bad one, which must still be caught.
            var options = ["seed": "1"]
            options[key] = value
            _ = try SimulatedCuff.Settings.parse(options: options)
            Issue.record("\(key)=\(value) was accepted")
        } catch {
            #expect(error.key == key)
            #expect(error.value == value)
            #expect(!error.fix.isEmpty)
            #expect(error.description.contains("\(key)=\"\(value)\""))
        }
    }

    @Test func anUnknownFaultListsTheKnownOnes() {
        #expect(throws: SimulatedCuff.OptionError.self) {
            try SimulatedCuff.Settings.parse(options: ["fault": "smoke"])
        }
        do {
            _ = try SimulatedCuff.Settings.parse(options: ["fault": "smoke"])
        } catch {
            #expect(error.fix.contains("none, cuff-loose, motion, pressure-too-high, disconnect, no-response"))
        }
    }
}
