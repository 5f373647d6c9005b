import Foundation

/// Turns an agent's deduplicated `PHDReading`s into the room's `BloodPressureReading`s: pairs each
/// blood-pressure compound with the pulse of the same measurement, converts units, dates the result
/// and keeps a previous patient's stored readings out of this visit.
///
/// Pairing: a pressure and a pulse belong together when they carry the same person id and the same
/// time stamp bytes, whether they come in one report or in several. When one report leaves exactly
/// one pressure and one pulse unpaired they are paired anyway (some agents stamp the pulse a few
/// hours off, a BCD slip in the Freescale example) and the mismatch is reported.
///
/// A pressure without a pulse is held until the association ends (`finish()`), because the pulse
/// may still come in a later report. If none comes, the pressure is NOT delivered: the room's
/// reading and its store need a pulse, and inventing one (0, or a guess) would put a false value in
/// a medical record. It is returned in `Output.withoutPulse` so the driver logs it in full.
///
/// Time: the agent's clock is local time without a zone, read in the injected `timeZone`. An unset
/// clock, or one before `earliestPlausible` or more than `maximumClockLead` ahead of the manager's
/// receive time, is not trusted: the reading is dated by its receive time and a problem says so.
/// Readings the agent dates before `cutoff` (the visit's start) are its stored memory of an earlier
/// patient: they go to `Output.previous`, never to `readings`. An undated reading cannot be told
/// apart from a new one, so it counts as new; the problem text says that too.
public struct PHDReadingAssembler: Sendable {
    /// What one step produced.
    public struct Output: Sendable, Equatable {
        /// This visit's measurements, in the order they completed.
        public var readings: [BloodPressureReading] = []
        /// Stored readings from before the cutoff: a previous patient's, to log, never to record.
        public var previous: [BloodPressureReading] = []
        /// Pressures whose pulse never came (only from `finish()`).
        public var withoutPulse: [PHDReading] = []
        /// Things a technician should see in the log.
        public var problems: [String] = []

        public init() {}

        public var isEmpty: Bool { readings.isEmpty && previous.isEmpty && withoutPulse.isEmpty && problems.isEmpty }

        mutating func append(_ other: Output) {
            readings += other.readings
            previous += other.previous
            withoutPulse += other.withoutPulse
            problems += other.problems
        }
    }

    /// The zone the agent's local clock is read in (the room's).
    public var timeZone: TimeZone
    /// Readings dated before this are a previous patient's; nil delivers every reading.
    public var cutoff: Date?
    /// How far ahead of the receive time an agent's clock may be before it is distrusted.
    public var maximumClockLead: TimeInterval
    /// Agent dates before this are a clock never set properly.
    public var earliestPlausible: Date
    /// Unpaired pressures or pulses kept at most; the oldest go first (an agent flooding one kind).
    public let pendingLimit: Int

    private struct Pending: Sendable {
        var reading: PHDReading
        var receivedAt: Date
    }

    private var pressures: [Pending] = []
    private var pulses: [Pending] = []

    /// 2000-01-01T00:00:00Z.
    public static let year2000 = Date(timeIntervalSince1970: 946_684_800)

    public init(
        timeZone: TimeZone, cutoff: Date? = nil, maximumClockLead: TimeInterval = 600,
        earliestPlausible: Date = PHDReadingAssembler.year2000, pendingLimit: Int = 64
    ) {
        self.timeZone = timeZone
        self.cutoff = cutoff
        self.maximumClockLead = maximumClockLead
        self.earliestPlausible = earliestPlausible
        self.pendingLimit = max(1, pendingLimit)
    }

    /// Pressures and pulses waiting for their partner.
    public var pendingCount: Int { pressures.count + pulses.count }

    /// Adds the readings of one report, received at `receivedAt` by the manager's wall clock.
    public mutating func add(_ readings: [PHDReading], receivedAt: Date) -> Output {
        var output = Output()
        var newPressures: [Pending] = []
        var newPulses: [Pending] = []
        for reading in readings {
            let item = Pending(reading: reading, receivedAt: receivedAt)
            switch reading.kind {
            case .bloodPressure:
                if let index = pulses.firstIndex(where: { Self.matches($0.reading, reading) }) {
                    let pulse = pulses.remove(at: index)
                    newPulses.removeAll { $0.reading == pulse.reading }
                    output.append(complete(pressure: item, pulse: pulse))
                } else {
                    newPressures.append(item)
                    pressures.append(item)
                }
            case .pulseRate:
                if let index = pressures.firstIndex(where: { Self.matches($0.reading, reading) }) {
                    let pressure = pressures.remove(at: index)
                    newPressures.removeAll { $0.reading == pressure.reading }
                    output.append(complete(pressure: pressure, pulse: item))
                } else {
                    newPulses.append(item)
                    pulses.append(item)
                }
            case .other:
                continue
            }
        }
        if newPressures.count == 1, newPulses.count == 1,
            newPressures[0].reading.personID == newPulses[0].reading.personID
        {
            let pressure = newPressures[0]
            let pulse = newPulses[0]
            pressures.removeAll { $0.reading == pressure.reading }
            pulses.removeAll { $0.reading == pulse.reading }
            output.problems.append(
                "pulse time \(Self.timeText(pulse.reading)) differs from the pressure's \(Self.timeText(pressure.reading)); "
                    + "paired because they came in one report")
            output.append(complete(pressure: pressure, pulse: pulse))
        }
        trim(&pressures, kind: "pressure", into: &output)
        trim(&pulses, kind: "pulse", into: &output)
        return output
    }

    /// The association ended: no partner can come any more. Returns the pressures left without a pulse
    /// and a problem for each reading dropped.
    public mutating func finish() -> Output {
        var output = Output()
        for pressure in pressures {
            output.withoutPulse.append(pressure.reading)
            output.problems.append(
                "blood pressure \(Self.valuesText(pressure.reading)) at \(Self.timeText(pressure.reading)) came "
                    + "without a pulse and is not recorded: the reading needs both; measure again")
        }
        for pulse in pulses {
            output.problems.append(
                "pulse \(Self.valuesText(pulse.reading)) at \(Self.timeText(pulse.reading)) came without a "
                    + "blood pressure and is dropped")
        }
        pressures.removeAll()
        pulses.removeAll()
        return output
    }

    private func trim(_ list: inout [Pending], kind: String, into output: inout Output) {
        while list.count > pendingLimit {
            let dropped = list.removeFirst()
            output.problems.append(
                "more than \(pendingLimit) unpaired \(kind) readings; dropped \(Self.valuesText(dropped.reading)) "
                    + "at \(Self.timeText(dropped.reading))")
        }
    }

    private static func matches(_ a: PHDReading, _ b: PHDReading) -> Bool {
        a.personID == b.personID && a.time?.raw == b.time?.raw
    }

    private func complete(pressure: Pending, pulse: Pending) -> Output {
        var output = Output()
        guard case .bloodPressure(let systolicValue, let diastolicValue, let meanValue) = pressure.reading.kind,
            case .pulseRate(let pulseValue) = pulse.reading.kind
        else { return output }
        let pressureUnit = pressure.reading.unit ?? Nomenclature.unitMillimetreMercury
        let factor: Double
        switch pressureUnit {
        case Nomenclature.unitMillimetreMercury: factor = 1
        // 1 kPa = 760 / 101.325 mmHg.
        case Nomenclature.unitKilopascal: factor = 760 / 101.325
        default:
            output.problems.append(
                "blood pressure \(Self.valuesText(pressure.reading)) is in unit \(Nomenclature.unitName(pressureUnit)), "
                    + "not mmHg or kPa; not recorded")
            return output
        }
        if let unit = pulse.reading.unit, unit != Nomenclature.unitBeatsPerMinute {
            output.problems.append(
                "pulse \(Self.valuesText(pulse.reading)) is in unit \(Nomenclature.unitName(unit)), not beats per "
                    + "minute; the reading is not recorded")
            return output
        }
        guard let systolic = systolicValue.double.map({ Int(($0 * factor).rounded()) }),
            let diastolic = diastolicValue.double.map({ Int(($0 * factor).rounded()) }),
            let mean = meanValue.double.map({ Int(($0 * factor).rounded()) }),
            let rate = pulseValue.double.map({ Int($0.rounded()) })
        else {
            output.problems.append(
                "blood pressure \(Self.valuesText(pressure.reading)) pulse \(Self.valuesText(pulse.reading)) holds a "
                    + "special value (NaN, NRes or infinity): the device had no valid measurement; not recorded")
            return output
        }
        let (date, dateProblem) = dated(pressure)
        if let dateProblem { output.problems.append(dateProblem) }
        let reading = BloodPressureReading(
            systolic: systolic, diastolic: diastolic, meanArterial: mean, pulse: rate, measuredAt: date,
            clock: dateProblem == nil ? .device : .room)
        if dateProblem == nil, let cutoff, date < cutoff {
            output.previous.append(reading)
        } else {
            output.readings.append(reading)
        }
        return output
    }

    /// The reading's date and, when the agent's clock was not used, why.
    private func dated(_ item: Pending) -> (Date, String?) {
        let received = item.receivedAt
        guard let time = item.reading.time else {
            return (received, "reading has no time stamp; dated by its arrival and counted as this visit's")
        }
        if let problem = time.problem {
            return (
                received,
                "device clock is \(problem.rawValue) (\(Hex.string(time.raw))); reading dated by its arrival and "
                    + "counted as this visit's; set the monitor's clock"
            )
        }
        guard let date = time.date(in: timeZone) else {
            return (received, "device time \(time) does not exist in \(timeZone.identifier); dated by its arrival")
        }
        if date < earliestPlausible {
            return (received, "device clock says \(time), before 2000: not set; dated by its arrival; set the clock")
        }
        if date.timeIntervalSince(received) > maximumClockLead {
            return (
                received,
                "device clock says \(time), ahead of the room's clock by more than \(Int(maximumClockLead)) s; dated "
                    + "by its arrival; set the monitor's clock"
            )
        }
        return (date, nil)
    }

    private static func valuesText(_ reading: PHDReading) -> String {
        reading.values.map(\.description).joined(separator: "/")
    }

    private static func timeText(_ reading: PHDReading) -> String {
        reading.time.map(\.description) ?? "no time"
    }
}
