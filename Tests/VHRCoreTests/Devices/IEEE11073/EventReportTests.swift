import Testing
import VHRCore

@Suite struct EventReportTests {
    @Test func unknownEventTypesAreKeptAsBytes() throws {
        let argument = EventReportArgument(objectHandle: 0, eventTime: 5, eventType: 0x0D21, info: .other([1, 2, 3]))
        let apdu = APDU.presentation(DataAPDU(invokeID: 1, message: .eventReport(argument, confirmed: false)))
        #expect(try APDU.decode(apdu.encode()) == apdu)
    }

    @Test func theScanReportReplyIsEmpty() throws {
        guard
            case .presentation(let data) = try APDU.decode(BPVectors.vector("antidote.H242.scan_report_response").bytes),
            case .eventReportResult(let result) = data.message
        else { Issue.record("not a result"); return }
        #expect(result.reply == .other([]))
        #expect(result.eventType == Nomenclature.notiScanReportFixed)
    }

    @Test func eventInfoLongerThanTheMessageIsATruncation() {
        var bytes = BPVectors.vector("antidote.H241_ID_02BC.bp_measurement").bytes
        bytes[21] += 1  // event-info length one more than there is
        #expect(throws: IEEE11073Error.self) { try APDU.decode(bytes) }
    }
}
