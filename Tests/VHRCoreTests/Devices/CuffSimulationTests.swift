import Foundation
import Testing
import VHRCore

private typealias Fault = CuffSimulation.Fault
private typealias Patient = CuffSimulation.Patient

private let fixedNow = Date(timeIntervalSince1970: 1_800_000_000)

/// An event and the simulated time it came out at.
private struct Timed: Equatable {
    var time: Double
    var event: CuffEvent
}

/// Runs a measurement to its end one report tick at a time, stamping each event with the time.
private func run(_ simulation: inout CuffSimulation, limit: Double = 600) -> [Timed] {
    let interval = 1 / simulation.parameters.reportRate
    var timed = simulation.advance(by: 0, now: fixedNow).map { Timed(time: 0, event: $0) }
    while !simulation.isFinished && simulation.elapsed < limit {
        let events = simulation.advance(by: interval, now: fixedNow)
        timed += events.map { Timed(time: simulation.elapsed, event: $0) }
    }
    return timed
}

private func measure(
    _ patient: Patient, fault: Fault? = nil, faultRate: Double = 0, seed: UInt64,
    parameters: CuffSimulation.Parameters = .standard
) -> (simulation: CuffSimulation, events: [Timed]) {
    var simulation = CuffSimulation(
        parameters: parameters, patient: patient, fault: fault, faultRate: faultRate, seed: seed)
    let events = run(&simulation)
    return (simulation, events)
}

private func randomPatient(_ seed: UInt64) -> Patient {
    var random = SeededRandom(seed: seed ^ 0xA5A5)
    return Patient.random(using: &random)
}

private func pressures(_ events: [Timed]) -> [CuffPressure] {
    events.compactMap {
        if case .pressure(let pressure) = $0.event { pressure } else { nil }
    }
}

/// The largest change between two consecutive reports that are both deflating.
private func biggestDeflatingJump(_ reports: [CuffPressure]) -> Double {
    zip(reports, reports.dropFirst())
        .filter { $0.phase == .deflating && $1.phase == .deflating }
        .map { abs($1.pressure - $0.pressure) }
        .max() ?? 0
}

private func reading(_ events: [Timed]) -> BloodPressureReading? {
    guard case .completed(let reading) = events.last?.event else { return nil }
    return reading
}

@Suite struct CuffSimulationTests {
    private let typical = Patient(systolic: 128, diastolic: 82, pulse: 70)

    @Test func sameSeedReplaysTheSameMeasurementHoweverTimeIsSplit() {
        let first = measure(typical, seed: 42).events.map(\.event)
        let again = measure(typical, seed: 42).events.map(\.event)
        #expect(first == again)

        // The same seed advanced in uneven chunks yields the same events.
        var chunked = CuffSimulation(patient: typical, faultRate: 0, seed: 42)
        var events: [CuffEvent] = []
        var step = 0
        while !chunked.isFinished {
            events += chunked.advance(by: [0.2, 1.3, 0.05, 7.1][step % 4], now: fixedNow)
            step += 1
        }
        #expect(events == first)

        let other = measure(typical, seed: 43).events.map(\.event)
        #expect(other != first)
    }

    @Test func aNormalMeasurementRunsInOrder() throws {
        let (simulation, events) = measure(typical, seed: 7)
        #expect(events.first?.event == .started)
        #expect(simulation.fault == nil)
        let phases = pressures(events).map(\.phase)
        // Phases appear in the cycle's order: inflating, deflating, exhausting, no going back
        // except a re-inflation before the measuring deflation.
        let order: [CuffPhase: Int] = [.inflating: 0, .deflating: 1, .exhausting: 2]
        let exhaustStart = try #require(phases.firstIndex(of: .exhausting))
        #expect(phases[exhaustStart...].allSatisfy { $0 == .exhausting })
        #expect(zip(phases, phases.dropFirst()).filter { order[$0]! > order[$1]! }.count <= 1)
        #expect(pressures(events).last?.pressure == 0)
        let result = try #require(reading(events))
        #expect(result.measuredAt == fixedNow)
        // Pressure reports are one tick apart and carry the simulated time.
        for (report, timed) in zip(
            pressures(events), events.filter({ if case .pressure = $0.event { true } else { false } }))
        {
            #expect(abs(report.elapsed - timed.time) < 1e-6)
        }
    }

    @Test func inflationOnlyRises() {
        for seed in UInt64(0)..<200 {
            let events = measure(randomPatient(seed), seed: seed).events
            let reports = pressures(events)
            for (before, after) in zip(reports, reports.dropFirst())
            where before.phase == .inflating && after.phase == .inflating {
                #expect(after.pressure >= before.pressure, "seed \(seed)")
            }
        }
    }

    @Test func reinflatesOnceWhenTheFirstInflationStopsLow() {
        var reinflated = 0
        for seed in UInt64(0)..<300 {
            let events = measure(randomPatient(seed), seed: seed).events
            let phases = pressures(events).map(\.phase)
            let inflations = zip([CuffPhase.idle] + phases, phases).filter { $0 != .inflating && $1 == .inflating }
            #expect(inflations.count <= 2)
            if inflations.count == 2 {
                reinflated += 1
                #expect(reading(events) != nil, "a re-inflated measurement still completes (seed \(seed))")
            }
        }
        // About 12% of measurements start too low.
        #expect((15...60).contains(reinflated))
    }

    @Test(arguments: [CuffSimulation.Parameters.standard, CuffSimulation.Parameters(maxPressure: 220)])
    func pressureNeverExceedsTheCuffsLimit(parameters: CuffSimulation.Parameters) {
        for seed in UInt64(0)..<60 {
            for fault in [nil] + Fault.allCases {
                let events = measure(randomPatient(seed), fault: fault, seed: seed, parameters: parameters).events
                let highest = pressures(events).map(\.pressure).max() ?? 0
                #expect(highest <= parameters.maxPressure)
                #expect(pressures(events).allSatisfy { $0.pressure >= 0 })
            }
        }
    }

    @Test func aNormalMeasurementTakes25To45Seconds() {
        var longest = 0.0
        var shortest = Double.infinity
        for seed in UInt64(0)..<400 {
            let (simulation, events) = measure(randomPatient(seed), seed: seed)
            #expect(reading(events) != nil)
            let duration = simulation.finishedAt ?? .infinity
            longest = max(longest, duration)
            shortest = min(shortest, duration)
        }
        #expect(shortest >= 25)
        #expect(longest <= 45)
        // The extremes: a narrow low pressure and a wide high one with a slow pulse.
        for patient in [
            Patient(systolic: 100, diastolic: 75, pulse: 105), Patient(systolic: 170, diastolic: 60, pulse: 52),
        ] {
            for seed in UInt64(0)..<40 {
                let duration = measure(patient, seed: seed).simulation.finishedAt ?? .infinity
                #expect((25...45).contains(duration), "\(patient) seed \(seed): \(duration) s")
            }
        }
    }

    @Test func resultsAreTheTruthWithinMeasurementNoise() throws {
        for seed in UInt64(0)..<400 {
            let patient = randomPatient(seed)
            let result = try #require(reading(measure(patient, seed: seed).events))
            #expect(abs(result.systolic - patient.systolic) <= 3)
            #expect(abs(result.diastolic - patient.diastolic) <= 3)
            #expect(abs(result.pulse - patient.pulse) <= 2)
            let mean = Double(patient.diastolic) + Double(patient.systolic - patient.diastolic) / 3
            #expect(abs(Double(result.meanArterial) - mean) <= 5, "seed \(seed): \(result) for \(patient)")
            #expect(result.systolic > result.meanArterial && result.meanArterial > result.diastolic)
        }
    }

    @Test func meanArterialComesFromTheOscillations() throws {
        // The estimate follows the envelope's peak, not a formula on the reported values: over many
        // seeds it varies for the same patient while staying near dia + (sys - dia) / 3.
        let patient = Patient(systolic: 150, diastolic: 90, pulse: 64)
        var means = Set<Int>()
        for seed in UInt64(0)..<60 {
            let result = try #require(reading(measure(patient, seed: seed).events))
            means.insert(result.meanArterial)
        }
        #expect(means.count > 1)
        #expect(means.allSatisfy { (105...115).contains($0) })
    }

    @Test(arguments: Fault.allCases)
    func eachFaultEndsWithItsFailure(fault: CuffSimulation.Fault) {
        for seed in UInt64(0)..<40 {
            let (simulation, events) = measure(randomPatient(seed), fault: fault, seed: seed)
            #expect(simulation.fault == fault)
            #expect(events.first?.event == .started)
            let outcomes = events.filter {
                switch $0.event {
                case .completed, .failed: true
                default: false
                }
            }
            #expect(outcomes.map(\.event) == [.failed(fault.failure)], "seed \(seed)")
            if fault == .disconnect {
                #expect(events.last?.event == .disconnected)
            } else {
                #expect(events.last?.event == .failed(fault.failure))
            }
        }
    }

    @Test func aLooseCuffLevelsOffLowAndGivesUpAfterAbout20Seconds() throws {
        for seed in UInt64(0)..<30 {
            let events = measure(randomPatient(seed), fault: .cuffLoose, seed: seed).events
            let reports = pressures(events)
            let highest = try #require(reports.map(\.pressure).max())
            #expect((25...50).contains(highest))
            let failedAt = try #require(events.last?.time)
            #expect((18...25).contains(failedAt))
        }
    }

    @Test func motionShowsSpikesDuringDeflation() {
        for seed in UInt64(0)..<30 {
            let reports = pressures(measure(randomPatient(seed), fault: .motion, seed: seed).events)
            let biggestJump = biggestDeflatingJump(reports)
            // A clean deflation moves at most a few mmHg per tick.
            #expect(biggestJump > 6, "seed \(seed)")
        }
        for seed in UInt64(0)..<30 {
            let reports = pressures(measure(randomPatient(seed), seed: seed).events)
            let biggestJump = biggestDeflatingJump(reports)
            #expect(biggestJump < 6, "seed \(seed)")
        }
    }

    @Test func tooHighAPressureReachesTheLimitWithoutClearing() {
        for seed in UInt64(0)..<30 {
            let events = measure(randomPatient(seed), fault: .pressureTooHigh, seed: seed).events
            let reports = pressures(events)
            #expect(reports.contains { $0.phase == .inflating && $0.pressure == 300 })
            #expect(reports.contains { $0.phase == .deflating })
            #expect(reports.last?.phase == .exhausting)
        }
        // A patient above the range fails the same way without any fault injected.
        let events = measure(Patient(systolic: 295, diastolic: 150, pulse: 80), seed: 1).events
        #expect(events.last?.event == .failed(.pressureTooHigh))
    }

    @Test func aDisconnectHappensMidDeflation() throws {
        for seed in UInt64(0)..<30 {
            let events = measure(randomPatient(seed), fault: .disconnect, seed: seed).events
            #expect(Array(events.suffix(2).map(\.event)) == [.failed(.disconnected), .disconnected])
            #expect(pressures(events).last?.phase == .deflating)
        }
    }

    @Test func noResponseTimesOutTenSecondsAfterTheLastReport() throws {
        for seed in UInt64(0)..<30 {
            let events = measure(randomPatient(seed), fault: .noResponse, seed: seed).events
            let lastReport = try #require(events.last { if case .pressure = $0.event { true } else { false } })
            let failure = try #require(events.last)
            #expect(failure.event == .failed(.timedOut))
            #expect(abs(failure.time - lastReport.time - 10) < 0.01)
            #expect(
                lastReport.event != .pressure(CuffPressure(phase: .exhausting, pressure: 0, elapsed: lastReport.time)))
        }
    }

    @Test(arguments: [0.05, 0.3])
    func spontaneousFaultsOccurAtTheConfiguredRate(rate: Double) {
        let count = 2000
        var failures: [CuffFailure: Int] = [:]
        for seed in UInt64(0)..<UInt64(count) {
            let events = measure(randomPatient(seed), faultRate: rate, seed: seed).events
            if case .failed(let failure) = events.last?.event {
                failures[failure, default: 0] += 1
            }
        }
        let expected = rate * Double(count)
        let spread = 4 * (expected * (1 - rate)).squareRoot()
        let total = Double(failures.values.reduce(0, +))
        #expect(abs(total - expected) <= spread, "\(failures)")
        #expect(Set(failures.keys) == [.cuffLoose, .motion, .pressureTooHigh])
    }

    @Test func noSpontaneousFaultsAtRateZero() {
        for seed in UInt64(0)..<300 {
            let events = measure(randomPatient(seed), faultRate: 0, seed: seed).events
            #expect(reading(events) != nil)
        }
    }

    @Test func abortExhaustsQuicklyThenFails() throws {
        var simulation = CuffSimulation(patient: typical, faultRate: 0, seed: 3)
        _ = simulation.advance(by: 18, now: fixedNow)
        simulation.abort()
        var rest: [CuffEvent] = []
        while !simulation.isFinished {
            rest += simulation.advance(by: 0.2, now: fixedNow)
        }
        #expect(rest.last == .failed(.aborted))
        let reports = rest.compactMap { if case .pressure(let p) = $0 { p } else { nil } }
        #expect(!reports.isEmpty)
        #expect(reports.allSatisfy { $0.phase == .exhausting })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $1.pressure < $0.pressure })
        let finishedAt = try #require(simulation.finishedAt)
        #expect(finishedAt - 18 <= 6)

        // Aborting a finished measurement changes nothing.
        simulation.abort()
        #expect(simulation.advance(by: 5, now: fixedNow).isEmpty)
    }

    @Test func abortWhileSilentFailsAtTheNextTick() {
        var simulation = CuffSimulation(patient: typical, fault: .noResponse, seed: 5)
        var events: [CuffEvent] = []
        // Run until the reports have stopped.
        var quiet = 0
        while quiet < 3 {
            let step = simulation.advance(by: 0.2, now: fixedNow)
            quiet = step.isEmpty && !events.isEmpty ? quiet + 1 : 0
            events += step
        }
        simulation.abort()
        #expect(simulation.advance(by: 0.2, now: fixedNow) == [.failed(.aborted)])
        #expect(simulation.isFinished)
    }

    @Test func randomPatientsArePlausibleAdults() {
        var random = SeededRandom(seed: 11)
        for _ in 0..<2000 {
            let patient = Patient.random(using: &random)
            #expect((100...170).contains(patient.systolic))
            #expect((60...100).contains(patient.diastolic))
            #expect(patient.systolic - patient.diastolic >= 25)
            #expect((52...105).contains(patient.pulse))
            let later = patient.fluctuated(using: &random)
            #expect(abs(later.systolic - patient.systolic) <= 2)
            #expect(abs(later.diastolic - patient.diastolic) <= 2)
            #expect(abs(later.pulse - patient.pulse) <= 3)
        }
    }

    @Test func parametersExplainWhatIsWrong() {
        #expect(CuffSimulation.Parameters.standard.invalidReason == nil)
        let reason = CuffSimulation.Parameters(reportRate: 0).invalidReason
        #expect(reason?.contains("reportRate") == true)
        #expect(CuffSimulation.Parameters(maxPressure: 1000).invalidReason?.contains("maxPressure") == true)
    }

    @Test func faultsUseTheConfigurationSpelling() {
        #expect(
            Fault.allCases.map(\.rawValue) == [
                "cuff-loose", "motion", "pressure-too-high", "disconnect", "no-response",
            ])
        #expect(Fault.allCases.map(\.failure) == [.cuffLoose, .motion, .pressureTooHigh, .disconnected, .timedOut])
    }
}
