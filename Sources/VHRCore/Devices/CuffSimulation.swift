import Foundation

// The model behind the simulated cuff. It is pure and has no clock: the caller advances it by
// simulated seconds and it answers with the events a real oscillometric cuff would have sent in
// that time, one pressure report per tick of `1 / reportRate` seconds.
//
// How an oscillometric cuff measures, and so what the model does:
// 1. It pumps the cuff above the systolic pressure (about systolic + 30 mmHg). If its estimate
//    was low and the artery was not yet closed, it pumps once more, higher.
// 2. It bleeds the air slowly. Each heartbeat makes a small pressure oscillation whose size
//    grows to a peak at the mean arterial pressure and shrinks again below it. The cuff records
//    one amplitude per beat.
// 3. Below the diastolic pressure it opens the valve and exhausts to 0, then reports the
//    result: MAP is where the oscillations peaked; systolic and diastolic are where they were at
//    fixed fractions of that peak (here the truth plus a little measurement noise).
//
// Every random choice comes from one seeded generator, drawn in a fixed order per tick, so a
// seed replays the same measurement however the caller splits the time it advances by.

/// A deterministic model of one oscillometric blood-pressure measurement, stepped by simulated
/// time.
///
/// Create one per measurement and call `advance(by:now:)` with the simulated seconds that have
/// passed; it returns the `CuffEvent`s due in that time, in order: `.started`, pressures while
/// inflating, deflating (with the pulse oscillations superimposed) and exhausting, then exactly
/// one `.completed` or `.failed`. A `disconnect` fault ends with `.failed(.disconnected)` followed
/// by `.disconnected`. The first call (even `advance(by: 0, …)`) returns `.started`.
///
/// A normal measurement takes 25–45 s of simulated time.
public struct CuffSimulation: Sendable {
    /// The device's fixed behaviour, normally from its profile.
    public let parameters: Parameters
    /// The truth this measurement measures.
    public let patient: Patient
    /// The fault this measurement shows: the injected one, or one drawn with `faultRate`; nil for
    /// a clean measurement.
    public let fault: Fault?
    /// Simulated seconds advanced so far.
    public private(set) var elapsed: Double = 0
    /// The simulated time of the last event, once the measurement has ended.
    public private(set) var finishedAt: Double?
    /// Whether the measurement has sent its last event.
    public var isFinished: Bool { finishedAt != nil }

    private var random: SeededRandom
    private var stage: Stage
    private var startedSent = false
    private var tick = 0
    /// The cuff pressure without oscillations, in mmHg.
    private var pressure = 0.0
    private var reinflated = false
    private var motion: ClosedRange<Double>?
    private var interruptBelow: Double?
    private var beats: [Beat] = []
    private var lastBeat = -1

    private let physiology: Physiology
    private let noise: (systolic: Int, diastolic: Int, pulse: Int)

    /// Pressure above systolic at which the artery is surely closed: above it the oscillations
    /// are small enough that the cuff knows it started high enough.
    private static let clearance = 15.0
    /// Longest the measuring deflation may take. Real cuffs bleed faster for a wide pulse
    /// pressure so the arm is not squeezed for long and a measurement stays under ~45 s.
    private static let longestDeflation = 21.0
    /// Chance that the first inflation stops too low and the cuff has to pump again.
    private static let lowEstimateRate = 0.12

    /// Creates the model of one measurement.
    ///
    /// - Parameters:
    ///   - parameters: The device's behaviour; must be valid (`parameters.invalidReason == nil`).
    ///   - patient: The truth to measure.
    ///   - fault: A fault to show. Without one, a fault is drawn from the spontaneous ones
    ///     (`cuffLoose`, `motion`, `pressureTooHigh`) with probability `faultRate`.
    ///   - faultRate: Probability, 0…1, that a measurement without an injected fault fails.
    ///   - seed: Fixes every random choice of the measurement.
    public init(
        parameters: Parameters = .standard, patient: Patient, fault: Fault? = nil, faultRate: Double = 0.05,
        seed: UInt64
    ) {
        precondition(parameters.invalidReason == nil, "invalid cuff parameters: \(parameters.invalidReason ?? "")")
        precondition((0...1).contains(faultRate), "faultRate must be within 0...1")
        var random = SeededRandom(seed: seed)
        // Always drawn, so the rest of the sequence does not depend on faultRate.
        let spontaneous = Double.random(in: 0..<1, using: &random)
        let pick = Fault.spontaneous[Int.random(in: 0..<Fault.spontaneous.count, using: &random)]
        let fault = fault ?? (spontaneous < faultRate ? pick : nil)

        // A pressure above the cuff's range is the patient's (or a spontaneous white-coat) spike.
        let tooHigh = parameters.maxPressure + Double.random(in: 5...30, using: &random)
        let systolic = fault == .pressureTooHigh ? tooHigh : Double(patient.systolic)
        let physiology = Physiology(
            systolic: systolic, diastolic: Double(patient.diastolic), pulse: Double(patient.pulse),
            amplitude: Double.random(in: 2.5...4, using: &random), beatPhase: Double.random(in: 0..<1, using: &random))
        self.noise = (
            Int.random(in: -3...3, using: &random), Int.random(in: -3...3, using: &random),
            Int.random(in: -2...2, using: &random)
        )

        let rate = parameters.inflateRate * Double.random(in: 0.95...1.05, using: &random)
        if fault == .cuffLoose {
            stage = .leaking(
                plateau: Double.random(in: 30...50, using: &random),
                timeConstant: Double.random(in: 3...6, using: &random),
                failAt: Double.random(in: 18...22, using: &random))
        } else {
            let low = Double.random(in: 0..<1, using: &random) < Self.lowEstimateRate
            let margin = low ? Double.random(in: -12...5, using: &random) : Double.random(in: 25...35, using: &random)
            stage = .inflating(target: min(parameters.maxPressure, systolic + margin), rate: rate)
        }

        self.parameters = parameters
        self.patient = patient
        self.fault = fault
        self.random = random
        self.physiology = physiology
    }

    /// Moves the model forward by `seconds` of simulated time.
    ///
    /// - Parameters:
    ///   - seconds: Simulated seconds that passed, zero or more.
    ///   - now: The room's clock, stamped on a result completed in this step.
    /// - Returns: The events due in that time, in order; empty when none are due or the
    ///   measurement has finished.
    public mutating func advance(by seconds: Double, now: Date) -> [CuffEvent] {
        precondition(seconds >= 0, "time only moves forward")
        elapsed += seconds
        var events: [CuffEvent] = []
        if !startedSent {
            startedSent = true
            events.append(.started)
        }
        let interval = 1 / parameters.reportRate
        // The tolerance absorbs the rounding of callers adding up 1 / reportRate.
        while !isFinished, Double(tick + 1) * interval <= elapsed + 1e-9 {
            tick += 1
            step(at: Double(tick) * interval, interval: interval, now: now, into: &events)
        }
        return events
    }

    /// Stops the measurement as a person pressing the stop button would: the cuff exhausts fast
    /// and then reports `.failed(.aborted)`.
    ///
    /// A measurement that is already exhausting ends as it would have, and a finished one is
    /// left alone.
    public mutating func abort() {
        switch stage {
        case .inflating, .leaking, .deflating:
            stage = .exhausting(.failed(.aborted))
        case .silent:
            stage = .concluding(.failed(.aborted))
        case .exhausting, .concluding, .finished:
            break
        }
    }

    // MARK: - Stepping

    private mutating func step(at time: Double, interval: Double, now: Date, into events: inout [CuffEvent]) {
        switch stage {
        case .inflating(let target, let rate):
            let gained = rate * interval * Double.random(in: 0.9...1.1, using: &random)
            pressure = min(target, pressure + gained)
            events.append(report(.inflating, pressure, at: time))
            if pressure >= target {
                reachedTop(at: time)
            }
        case .leaking(let plateau, let timeConstant, let failAt):
            if time >= failAt {
                stage = .exhausting(.failed(.cuffLoose))
                exhaust(at: time, interval: interval, into: &events)
            } else {
                // A leak: the pump's gain and the leak balance out at a low plateau.
                pressure = max(pressure, plateau * (1 - exp(-time / timeConstant)))
                events.append(report(.inflating, pressure, at: time))
            }
        case .deflating(let deflation):
            deflate(deflation, at: time, interval: interval, into: &events)
        case .exhausting:
            exhaust(at: time, interval: interval, into: &events)
        case .silent(let until):
            if time >= until - 1e-9 {
                finish(.failed(.timedOut), at: time, now: now, into: &events)
            }
        case .concluding(let outcome):
            finish(outcome, at: time, now: now, into: &events)
        case .finished:
            break
        }
    }

    private mutating func reachedTop(at time: Double) {
        let top = pressure
        if top >= physiology.systolic + Self.clearance {
            let floor = physiology.diastolic - 10
            let rate =
                max(parameters.deflateRate, (top - floor) / Self.longestDeflation)
                * Double.random(in: 0.95...1.05, using: &random)
            stage = .deflating(Deflation(rate: rate, floor: floor, then: .exhaust(.completed), measuring: true))
            switch fault {
            case .motion:
                let start = time + Double.random(in: 2...5, using: &random)
                motion = start...(start + Double.random(in: 3...5, using: &random))
            case .disconnect, .noResponse:
                interruptBelow = floor + Double.random(in: 0.3...0.7, using: &random) * (top - floor)
            case .cuffLoose, .pressureTooHigh, nil:
                break
            }
        } else {
            // Strong oscillations at the top: the artery is still open. Watch a few beats, then
            // pump higher once, or give up when the cuff is already at its limit.
            let canReinflate = !reinflated && top < parameters.maxPressure
            stage = .deflating(
                Deflation(
                    rate: parameters.deflateRate, floor: top - Double.random(in: 4...8, using: &random),
                    then: canReinflate ? .reinflate : .exhaust(.failed(.pressureTooHigh)), measuring: false))
        }
    }

    private mutating func deflate(
        _ deflation: Deflation, at time: Double, interval: Double, into events: inout [CuffEvent]
    ) {
        pressure -= deflation.rate * interval
        if deflation.measuring {
            if let motion, time > motion.upperBound {
                stage = .exhausting(.failed(.motion))
                exhaust(at: time, interval: interval, into: &events)
                return
            }
            if let interruptBelow, pressure <= interruptBelow {
                interrupt(at: time, interval: interval, into: &events)
                return
            }
            recordBeat(at: time)
        }
        if pressure <= deflation.floor {
            pressure = max(deflation.floor, 0)
            switch deflation.then {
            case .exhaust(let outcome):
                stage = .exhausting(outcome)
            case .reinflate:
                reinflated = true
                let target = min(
                    parameters.maxPressure, physiology.systolic + Double.random(in: 30...38, using: &random))
                stage = .inflating(target: target, rate: parameters.inflateRate)
            }
        }
        var sample = pressure + physiology.oscillation(at: time, pressure: pressure)
        if let motion, motion.contains(time), Double.random(in: 0..<1, using: &random) < 0.4 {
            let spike = Double.random(in: 6...25, using: &random)
            sample += Bool.random(using: &random) ? spike : -spike
        }
        events.append(report(.deflating, sample, at: time))
    }

    private mutating func exhaust(at time: Double, interval: Double, into events: inout [CuffEvent]) {
        guard case .exhausting(let outcome) = stage else { return }
        pressure = max(0, pressure - parameters.exhaustRate * interval)
        events.append(report(.exhausting, pressure, at: time))
        if pressure == 0 {
            stage = .concluding(outcome)
        }
    }

    private mutating func interrupt(at time: Double, interval: Double, into events: inout [CuffEvent]) {
        if fault == .disconnect {
            events.append(.failed(.disconnected))
            events.append(.disconnected)
            stage = .finished
            finishedAt = time
        } else {
            // The reports stop; the driver's watchdog gives up a device timeout after the last one.
            stage = .silent(until: time - interval + parameters.deviceTimeout)
        }
    }

    private mutating func finish(_ outcome: Outcome, at time: Double, now: Date, into events: inout [CuffEvent]) {
        switch outcome {
        case .completed:
            events.append(.completed(reading(measuredAt: now)))
        case .failed(let failure):
            events.append(.failed(failure))
        }
        stage = .finished
        finishedAt = time
    }

    private func report(_ phase: CuffPhase, _ pressure: Double, at time: Double) -> CuffEvent {
        let clamped = min(max(pressure, 0), parameters.maxPressure)
        return .pressure(CuffPressure(phase: phase, pressure: (clamped * 10).rounded() / 10, elapsed: time))
    }

    // MARK: - The oscillometric result

    private mutating func recordBeat(at time: Double) {
        let beat = physiology.beatIndex(at: time)
        guard beat > lastBeat else { return }
        lastBeat = beat
        let amplitude = physiology.envelope(at: pressure) * Double.random(in: 0.985...1.015, using: &random)
        beats.append(Beat(pressure: pressure, amplitude: amplitude))
    }

    private func reading(measuredAt: Date) -> BloodPressureReading {
        let systolic = patient.systolic + noise.systolic
        let diastolic = patient.diastolic + noise.diastolic
        let mean = Int(estimatedMeanArterial().rounded())
        return BloodPressureReading(
            systolic: systolic, diastolic: diastolic, meanArterial: min(max(mean, diastolic + 1), systolic - 1),
            pulse: patient.pulse + noise.pulse, measuredAt: measuredAt)
    }

    /// The pressure at the peak of the beat amplitudes. Near MAP the envelope is flat and each
    /// beat a little noisy, so, as cuffs do, fit a parabola through every beat above 70% of the
    /// largest and take its vertex rather than trusting the single largest beat.
    private func estimatedMeanArterial() -> Double {
        guard let largest = beats.map(\.amplitude).max() else { return physiology.meanArterial }
        let top = beats.filter { $0.amplitude >= 0.7 * largest }
        let peak = top.max { $0.amplitude < $1.amplitude }?.pressure ?? physiology.meanArterial
        guard top.count >= 3, let low = top.map(\.pressure).min(), let high = top.map(\.pressure).max() else {
            return peak
        }
        // Least squares for y = a·x² + b·x + c with x centred on the peak, solved by Cramer's rule.
        var sums = (x: 0.0, x2: 0.0, x3: 0.0, x4: 0.0, y: 0.0, xy: 0.0, x2y: 0.0)
        for beat in top {
            let x = beat.pressure - peak
            let y = beat.amplitude
            sums.x += x
            sums.x2 += x * x
            sums.x3 += x * x * x
            sums.x4 += x * x * x * x
            sums.y += y
            sums.xy += x * y
            sums.x2y += x * x * y
        }
        let n = Double(top.count)
        func determinant(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let normal = [[sums.x4, sums.x3, sums.x2], [sums.x3, sums.x2, sums.x], [sums.x2, sums.x, n]]
        let right = [sums.x2y, sums.xy, sums.y]
        let whole = determinant(normal)
        guard whole != 0 else { return peak }
        func replacing(_ column: Int) -> [[Double]] {
            normal.enumerated().map { row, values in
                values.enumerated().map { $0.offset == column ? right[row] : $0.element }
            }
        }
        let a = determinant(replacing(0)) / whole
        let b = determinant(replacing(1)) / whole
        guard a < 0 else { return peak }
        return min(max(peak - b / (2 * a), low), high)
    }
}

// MARK: - Parameters, faults, patients

extension CuffSimulation {
    /// How a cuff model behaves; the values come from its device profile.
    public struct Parameters: Sendable, Equatable, Codable {
        /// The cuff's safe limit in mmHg; it never pumps above it.
        public var maxPressure: Double
        /// Pump speed in mmHg per second.
        public var inflateRate: Double
        /// Nominal bleed speed while measuring, in mmHg per second.
        public var deflateRate: Double
        /// Valve-open speed at the end, in mmHg per second.
        public var exhaustRate: Double
        /// Pressure reports per second.
        public var reportRate: Double
        /// Seconds without a report after which the driver gives up (`.timedOut`).
        public var deviceTimeout: Double
        /// Seconds a cuff that went away takes to come back (`.connected` again).
        public var reconnectDelay: Double

        public init(
            maxPressure: Double = 300, inflateRate: Double = 12, deflateRate: Double = 4, exhaustRate: Double = 40,
            reportRate: Double = 5, deviceTimeout: Double = 10, reconnectDelay: Double = 3
        ) {
            self.maxPressure = maxPressure
            self.inflateRate = inflateRate
            self.deflateRate = deflateRate
            self.exhaustRate = exhaustRate
            self.reportRate = reportRate
            self.deviceTimeout = deviceTimeout
            self.reconnectDelay = reconnectDelay
        }

        /// The defaults of a typical upper-arm cuff.
        public static let standard = Parameters()

        /// Why these parameters cannot drive a simulation, as a sentence naming the value to fix;
        /// nil when they can. Check it for parameters read from a file.
        public var invalidReason: String? {
            let checks: [(String, Double, ClosedRange<Double>)] = [
                ("maxPressure", maxPressure, 200...400),
                ("inflateRate", inflateRate, 1...100),
                ("deflateRate", deflateRate, 0.5...20),
                ("exhaustRate", exhaustRate, 5...200),
                ("reportRate", reportRate, 1...50),
                ("deviceTimeout", deviceTimeout, 1...120),
                ("reconnectDelay", reconnectDelay, 0...600),
            ]
            for (name, value, range) in checks where !range.contains(value) {
                return "\(name) is \(value); set it between \(range.lowerBound) and \(range.upperBound)"
            }
            return nil
        }
    }

    /// A way a measurement can go wrong, injected for tests and demonstrations.
    ///
    /// The raw values are the spellings the room configuration and `vhrctl` use.
    public enum Fault: String, Sendable, Equatable, Codable, CaseIterable {
        /// The pressure rises slowly, levels off at 30–50 mmHg and the cuff gives up after
        /// about 20 s: `.failed(.cuffLoose)`.
        case cuffLoose = "cuff-loose"
        /// Erratic spikes during deflation, then `.failed(.motion)`.
        case motion
        /// The patient's systolic pressure is above the cuff's range: it pumps to
        /// `maxPressure` without closing the artery, lets some air out and reports
        /// `.failed(.pressureTooHigh)`.
        case pressureTooHigh = "pressure-too-high"
        /// The device goes away mid-deflation: `.failed(.disconnected)` then `.disconnected`.
        case disconnect
        /// The reports stop mid-deflation; `.failed(.timedOut)` a device timeout later.
        case noResponse = "no-response"

        /// The faults a measurement without an injected one can show by itself.
        public static let spontaneous: [Fault] = [.cuffLoose, .motion, .pressureTooHigh]

        /// The failure a measurement with this fault ends with.
        public var failure: CuffFailure {
            switch self {
            case .cuffLoose: .cuffLoose
            case .motion: .motion
            case .pressureTooHigh: .pressureTooHigh
            case .disconnect: .disconnected
            case .noResponse: .timedOut
            }
        }
    }

    /// The simulated person in the chair: the truth a measurement measures.
    public struct Patient: Sendable, Equatable, Codable {
        /// mmHg.
        public var systolic: Int
        /// mmHg.
        public var diastolic: Int
        /// Beats per minute.
        public var pulse: Int

        /// - Precondition: `systolic > diastolic + 10`, `diastolic >= 20`, `pulse` within 20…250.
        public init(systolic: Int, diastolic: Int, pulse: Int) {
            precondition(systolic > diastolic + 10 && diastolic >= 20, "not a blood pressure: \(systolic)/\(diastolic)")
            precondition((20...250).contains(pulse), "not a pulse: \(pulse)")
            self.systolic = systolic
            self.diastolic = diastolic
            self.pulse = pulse
        }

        /// A plausible adult: systolic 100–170, diastolic 60–100 and at least 25 below systolic,
        /// pulse 52–105.
        public static func random(using generator: inout some RandomNumberGenerator) -> Patient {
            let systolic = Int.random(in: 100...170, using: &generator)
            let diastolic = Int.random(in: 60...min(100, systolic - 25), using: &generator)
            return Patient(systolic: systolic, diastolic: diastolic, pulse: Int.random(in: 52...105, using: &generator))
        }

        /// The same person a few minutes later: pressures within ±2 mmHg, pulse within ±3, so
        /// that with measurement noise repeated readings in one visit stay within ±5.
        public func fluctuated(using generator: inout some RandomNumberGenerator) -> Patient {
            Patient(
                systolic: systolic + Int.random(in: -2...2, using: &generator),
                diastolic: diastolic + Int.random(in: -2...2, using: &generator),
                pulse: min(max(pulse + Int.random(in: -3...3, using: &generator), 20), 250))
        }
    }
}

// MARK: - Internals

extension CuffSimulation {
    private enum Outcome: Sendable, Equatable {
        case completed
        case failed(CuffFailure)
    }

    private enum Stage: Sendable, Equatable {
        case inflating(target: Double, rate: Double)
        /// A loose cuff: inflating, but the pressure levels off.
        case leaking(plateau: Double, timeConstant: Double, failAt: Double)
        case deflating(Deflation)
        case exhausting(Outcome)
        /// No reports until the device timeout.
        case silent(until: Double)
        /// Exhausted; the outcome goes out on the next tick.
        case concluding(Outcome)
        case finished
    }

    private struct Deflation: Sendable, Equatable {
        enum Next: Sendable, Equatable {
            case exhaust(Outcome)
            case reinflate
        }

        var rate: Double
        /// Where this deflation ends, in mmHg.
        var floor: Double
        var then: Next
        /// Whether the cuff records beats (the deflation that measures, not the look at the top).
        var measuring: Bool
    }

    private struct Beat: Sendable, Equatable {
        var pressure: Double
        var amplitude: Double
    }

    /// The oscillations the patient's pulse makes in the cuff.
    private struct Physiology: Sendable {
        let systolic: Double
        let diastolic: Double
        let pulse: Double
        let meanArterial: Double
        let amplitude: Double
        let beatPhase: Double
        /// Widths of the envelope above and below MAP, chosen so the amplitude is half its peak
        /// at systolic and 0.8 of it at diastolic, the ratios oscillometric cuffs look for.
        let upperWidth: Double
        let lowerWidth: Double

        init(systolic: Double, diastolic: Double, pulse: Double, amplitude: Double, beatPhase: Double) {
            self.systolic = systolic
            self.diastolic = diastolic
            self.pulse = pulse
            self.amplitude = amplitude
            self.beatPhase = beatPhase
            meanArterial = diastolic + (systolic - diastolic) / 3
            upperWidth = (systolic - meanArterial) / log(2).squareRoot()
            lowerWidth = (meanArterial - diastolic) / log(1 / 0.8).squareRoot()
        }

        func envelope(at pressure: Double) -> Double {
            let offset = (pressure - meanArterial) / (pressure >= meanArterial ? upperWidth : lowerWidth)
            return amplitude * exp(-offset * offset)
        }

        func beatIndex(at time: Double) -> Int {
            Int(((time * pulse / 60) + beatPhase).rounded(.down))
        }

        /// The oscillation at `time`: a quick rise and a slow fall each beat, sized by the envelope.
        func oscillation(at time: Double, pressure: Double) -> Double {
            let beats = time * pulse / 60 + beatPhase
            let phase = beats - beats.rounded(.down)
            let shape = phase < 0.15 ? phase / 0.15 : (1 - phase) / 0.85
            return envelope(at: pressure) * (shape - 0.4)
        }
    }
}
