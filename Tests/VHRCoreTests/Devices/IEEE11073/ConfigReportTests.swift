import Testing
import VHRCore

@Suite struct ConfigReportTests {
    @Test func theResponseResultMustBeKnown() {
        // rors config response with config-result 7.
        let bytes: [UInt8] = [
            0xE7, 0, 0, 0x16, 0, 0x14, 0, 1, 2, 1, 0, 0x0E, 0, 0, 0, 0, 0, 0, 0x0D, 0x1C, 0, 4, 0x40, 0, 0, 7,
        ]
        #expect(
            throws: IEEE11073Error(
                field: "APDU.PRST.DataApdu.message.event-reply-info.config-result", offset: 24,
                kind: .invalidValue(expected: "0, 1 or 2", found: "7"))
        ) {
            try APDU.decode(bytes)
        }
    }

    @Test func reportsRoundTrip() throws {
        let report = Configuration.bloodPressureStandard.report
        let argument = EventReportArgument(
            objectHandle: 0, eventTime: 0xFFFF_FFFF, eventType: Nomenclature.notiConfig, info: .configuration(report))
        let apdu = APDU.presentation(DataAPDU(invokeID: 2, message: .eventReport(argument, confirmed: true)))
        #expect(try APDU.decode(apdu.encode()) == apdu)
        #expect(ConfigReportResponse.Result.standardConfigurationUnknown.name == "standard-config-unknown")
    }
}
