import Testing
import VHRCore

@Suite struct NumericValueTests {
    @Test func describesExactDecimals() {
        #expect(NumericValue.number(mantissa: 975, exponent: -1).description == "97.5")
        #expect(NumericValue.number(mantissa: 120, exponent: 0).description == "120")
        #expect(NumericValue.number(mantissa: -123, exponent: -5).description == "-0.00123")
        #expect(NumericValue.number(mantissa: 204, exponent: 1).description == "2040")
        #expect(NumericValue.number(mantissa: 0, exponent: 3).description == "0")
        #expect(NumericValue.notAtThisResolution.description == "NRes")
    }

    @Test func specialValuesHaveNoNumber() {
        for value in [NumericValue.notANumber, .notAtThisResolution, .positiveInfinity, .negativeInfinity, .reserved] {
            #expect(value.double == nil)
        }
        #expect(NumericValue.number(mantissa: 600, exponent: -1).double == 60)
    }
}
