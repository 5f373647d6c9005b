import Testing
import VHRCore

@Suite struct PHDReadingTests {
    @Test func valuesComeInSystolicDiastolicMeanOrder() {
        let reading = PHDReading(
            handle: 1, personID: nil,
            kind: .bloodPressure(
                systolic: .number(mantissa: 120, exponent: 0), diastolic: .number(mantissa: 80, exponent: 0),
                meanArterial: .notANumber),
            unit: Nomenclature.unitMillimetreMercury, time: nil)
        #expect(
            reading.values == [.number(mantissa: 120, exponent: 0), .number(mantissa: 80, exponent: 0), .notANumber])
        #expect(
            PHDReading(handle: 2, personID: nil, kind: .pulseRate(.reserved), unit: nil, time: nil).values == [
                .reserved
            ])
    }
}
