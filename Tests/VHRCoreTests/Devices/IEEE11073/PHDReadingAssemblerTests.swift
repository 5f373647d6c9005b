import Foundation
import Testing
import VHRCore

@Suite struct PHDReadingAssemblerTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// The manager's receive time: 2024-03-05T10:00:00Z.
    static let received = Date(timeIntervalSince1970: 1_709_632_800)

    static func time(_ text: String) -> AbsoluteTime {
        // "2024-03-05 09:41:30" as BCD.
        let digits = Array(text.filter(\.isNumber)) + ["0", "0"]
        let bytes = stride(from: 0, to: 16, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
        return try! AbsoluteTime(bytes: bytes)
    }

    static let unset = try! AbsoluteTime(bytes: [UInt8](repeating: 0xFF, count: 8))

    static func pressure(
        _ sys: Int32, _ dia: Int32, _ map: Int32, at time: AbsoluteTime?,
        unit: UInt16 = Nomenclature.unitMillimetreMercury,
        exponent: Int8 = 0, person: UInt16? = nil
    ) -> PHDReading {
        PHDReading(
            handle: 1, personID: person,
            kind: .bloodPressure(
                systolic: .number(mantissa: sys, exponent: exponent),
                diastolic: .number(mantissa: dia, exponent: exponent),
                meanArterial: .number(mantissa: map, exponent: exponent)),
            unit: unit, time: time)
    }

    static func pulse(_ rate: Int32, at time: AbsoluteTime?, person: UInt16? = nil) -> PHDReading {
        PHDReading(
            handle: 2, personID: person, kind: .pulseRate(.number(mantissa: rate, exponent: 0)),
            unit: Nomenclature.unitBeatsPerMinute, time: time)
    }

    static func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test func aPressureAndItsPulseInOneReportMakeOneReading() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 09:41:30")
        let output = assembler.add(
            [Self.pressure(128, 84, 99, at: t), Self.pulse(72, at: t)], receivedAt: Self.received)
        #expect(
            output.readings == [
                BloodPressureReading(
                    systolic: 128, diastolic: 84, meanArterial: 99, pulse: 72,
                    measuredAt: Self.date("2024-03-05T09:41:30Z"), clock: .device)
            ])
        #expect(output.problems.isEmpty)
        #expect(assembler.pendingCount == 0)
    }

    @Test func theDeviceClockIsReadInTheRoomsTimeZone() {
        var assembler = PHDReadingAssembler(timeZone: Self.paris)
        let t = Self.time("2024-03-05 09:41:30")
        let output = assembler.add(
            [Self.pressure(128, 84, 99, at: t), Self.pulse(72, at: t)], receivedAt: Self.received)
        #expect(output.readings.first?.measuredAt == Self.date("2024-03-05T08:41:30Z"))
    }

    @Test func aPulseInALaterReportCompletesThePressure() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 09:41:30")
        #expect(assembler.add([Self.pressure(128, 84, 99, at: t)], receivedAt: Self.received).isEmpty)
        #expect(assembler.pendingCount == 1)
        let output = assembler.add([Self.pulse(72, at: t)], receivedAt: Self.received)
        #expect(output.readings.map(\.pulse) == [72])
        #expect(assembler.finish().isEmpty)
    }

    @Test func pulsesArePairedByTimeNotByOrder() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t1 = Self.time("2024-03-05 09:41:30")
        let t2 = Self.time("2024-03-05 09:47:02")
        let output = assembler.add(
            [
                Self.pulse(70, at: t2), Self.pressure(128, 84, 99, at: t1), Self.pressure(131, 86, 101, at: t2),
                Self.pulse(72, at: t1),
            ],
            receivedAt: Self.received)
        #expect(output.readings.map { [$0.systolic, $0.pulse] } == [[131, 70], [128, 72]])
    }

    @Test func differentPersonsAreNotPaired() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 09:41:30")
        #expect(assembler.add([Self.pressure(128, 84, 99, at: t, person: 1)], receivedAt: Self.received).isEmpty)
        #expect(assembler.add([Self.pulse(72, at: t, person: 2)], receivedAt: Self.received).readings.isEmpty)
        #expect(assembler.pendingCount == 2)
    }

    @Test func oneUnmatchedPairInAReportIsPairedAndFlagged() throws {
        // The Freescale example stamps the pulse 8 hours after its pressure.
        let configuration = Configuration.bloodPressureStandard
        let readings = try BloodPressureDecoder(configuration: configuration).readings(
            from: APDU.decode(BPVectors.vector("freescale.bpm.measurement").bytes))
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let output = assembler.add(readings, receivedAt: Self.received)
        #expect(
            output.readings == [
                BloodPressureReading(
                    systolic: 120, diastolic: 80, meanArterial: 100, pulse: 60,
                    measuredAt: Self.date("2009-06-12T12:10:00Z"), clock: .device)
            ])
        #expect(output.problems.first?.contains("differs from the pressure's") == true)
    }

    @Test func kilopascalsAreConvertedToMillimetresOfMercury() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 09:41:30")
        // 16.0/10.7/13.2 kPa.
        let output = assembler.add(
            [
                Self.pressure(160, 107, 132, at: t, unit: Nomenclature.unitKilopascal, exponent: -1),
                Self.pulse(72, at: t),
            ],
            receivedAt: Self.received)
        #expect(output.readings.map { [$0.systolic, $0.diastolic, $0.meanArterial] } == [[120, 80, 99]])
    }

    @Test func anUnknownUnitOrASpecialValueIsNotRecorded() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 09:41:30")
        let wrongUnit = assembler.add(
            [Self.pressure(128, 84, 99, at: t, unit: Nomenclature.unitBeatsPerMinute), Self.pulse(72, at: t)],
            receivedAt: Self.received)
        #expect(wrongUnit.readings.isEmpty)
        #expect(wrongUnit.problems.first?.contains("not mmHg or kPa") == true)
        var nan = Self.pressure(128, 84, 99, at: t)
        nan.kind = .bloodPressure(
            systolic: .notANumber, diastolic: .number(mantissa: 84, exponent: 0),
            meanArterial: .number(mantissa: 99, exponent: 0))
        let special = assembler.add([nan, Self.pulse(72, at: t)], receivedAt: Self.received)
        #expect(special.readings.isEmpty)
        #expect(special.problems.first?.contains("special value") == true)
    }

    @Test func anUnsetClockIsDatedByArrival() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc, cutoff: Self.received.addingTimeInterval(-600))
        let output = assembler.add(
            [Self.pressure(118, 76, 90, at: Self.unset), Self.pulse(64, at: Self.unset)], receivedAt: Self.received)
        #expect(output.readings.map(\.measuredAt) == [Self.received])
        #expect(output.readings.map(\.clock) == [.room])
        #expect(output.problems.first?.contains("unset") == true)
    }

    @Test(arguments: ["1999-12-31 23:59:00", "2024-03-05 10:10:01", "2030-01-01 00:00:00"])
    func anImplausibleClockIsDatedByArrival(time: String) {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time(time)
        let output = assembler.add(
            [Self.pressure(118, 76, 90, at: t), Self.pulse(64, at: t)], receivedAt: Self.received)
        #expect(output.readings.map(\.measuredAt) == [Self.received])
        #expect(output.readings.map(\.clock) == [.room])
        #expect(output.problems.count == 1)
    }

    @Test func aClockSlightlyAheadIsTrusted() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 10:09:59")
        let output = assembler.add(
            [Self.pressure(118, 76, 90, at: t), Self.pulse(64, at: t)], receivedAt: Self.received)
        #expect(output.readings.map(\.measuredAt) == [Self.date("2024-03-05T10:09:59Z")])
        #expect(output.readings.map(\.clock) == [.device])
        #expect(output.problems.isEmpty)
    }

    @Test func readingsBeforeTheCutoffArePreviousOnes() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc, cutoff: Self.date("2024-03-05T09:45:00Z"))
        let old = Self.time("2024-03-05 09:41:30")
        let new = Self.time("2024-03-05 09:47:02")
        let output = assembler.add(
            [
                Self.pressure(128, 84, 99, at: old), Self.pulse(72, at: old), Self.pressure(131, 86, 101, at: new),
                Self.pulse(70, at: new),
            ],
            receivedAt: Self.received)
        #expect(output.readings.map(\.systolic) == [131])
        #expect(output.previous.map(\.systolic) == [128])
    }

    @Test func aPressureWithoutPulseIsNotDeliveredButReturnedAtTheEnd() {
        // BloodPressureReading.pulse is not optional and the store keeps it NOT NULL: a pulse of 0
        // would be a false value in a medical record, so the pressure is reported, not recorded.
        var assembler = PHDReadingAssembler(timeZone: Self.utc)
        let t = Self.time("2024-03-05 09:41:30")
        let pressure = Self.pressure(128, 84, 99, at: t)
        #expect(
            assembler.add(
                [
                    pressure, Self.pulse(80, at: Self.time("2024-03-05 09:00:00")),
                    Self.pulse(81, at: Self.time("2024-03-05 09:01:00")),
                ], receivedAt: Self.received
            ).readings.isEmpty)
        let end = assembler.finish()
        #expect(end.readings.isEmpty)
        #expect(end.withoutPulse == [pressure])
        #expect(end.problems.count == 3)
        #expect(end.problems[0].contains("128/84/99") && end.problems[0].contains("without a pulse"))
        #expect(assembler.pendingCount == 0)
    }

    @Test func unpairedReadingsAreBounded() {
        var assembler = PHDReadingAssembler(timeZone: Self.utc, pendingLimit: 4)
        let pressures = (0..<6).map { Self.pressure(Int32(100 + $0), 70, 80, at: Self.time("2024-03-05 09:0\($0):00")) }
        let output = assembler.add(pressures, receivedAt: Self.received)
        #expect(assembler.pendingCount == 4)
        #expect(output.problems.count == 2)
        #expect(output.problems[0].contains("100/70/80"))
    }
}
