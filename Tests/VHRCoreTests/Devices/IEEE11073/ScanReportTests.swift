import Testing
import VHRCore

@Suite struct ScanReportTests {
    @Test(arguments: ScanReport.Format.allCases)
    func everyFormatRoundTrips(_ format: ScanReport.Format) throws {
        let multi = format == .multiPersonFixed || format == .multiPersonVariable
        let fixed = format == .fixed || format == .multiPersonFixed
        let observation = ScanReport.Observation(
            handle: 2,
            content: fixed
                ? .fixed([0xF2, 0x58, 0x20, 0x24, 0x03, 0x01, 0x08, 0, 0, 0])
                : .attributes([Attribute(id: Nomenclature.attrBasicValue, value: [0xF2, 0x58])]))
        let report = ScanReport(
            format: format, dataRequestID: 0xF000, reportNumber: 1,
            groups: [ScanReport.Group(personID: multi ? 7 : nil, observations: [observation])])
        #expect(ScanReport.Format(eventType: format.eventType) == format)
        let argument = EventReportArgument(
            objectHandle: 0, eventTime: 0, eventType: format.eventType, info: .scan(report))
        let apdu = APDU.presentation(DataAPDU(invokeID: 9, message: .eventReport(argument, confirmed: true)))
        #expect(try APDU.decode(apdu.encode()) == apdu)
        let readings = try BloodPressureDecoder(configuration: .bloodPressureStandard).readings(from: report)
        #expect(readings.map(\.personID) == [multi ? 7 : nil])
    }
}
