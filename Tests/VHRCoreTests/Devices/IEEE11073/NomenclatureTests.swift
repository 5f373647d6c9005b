import Testing
import VHRCore

@Suite struct NomenclatureTests {
    @Test func namesKnownCodesAndHexForTheRest() {
        #expect(Nomenclature.attributeName(0x0A75) == "MDC_ATTR_NU_CMPD_VAL_OBS_BASIC")
        #expect(Nomenclature.metricName(0xF012) == "0xF012")
        #expect(Nomenclature.unitName(Nomenclature.unitKilopascal) == "kPa")
        #expect(Nomenclature.eventName(0x0D1F) == "MDC_NOTI_SCAN_REPORT_MP_FIXED")
    }
}
