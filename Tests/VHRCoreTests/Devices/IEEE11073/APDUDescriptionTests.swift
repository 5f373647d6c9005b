import Testing
import VHRCore

@Suite struct APDUDescriptionTests {
    static func describe(_ id: String) throws -> APDUDescription {
        try APDUDescription(APDU.decode(BPVectors.vector(id).bytes), configuration: .bloodPressureStandard)
    }

    @Test func aMeasurementListsEveryReadingWithHandleValuesUnitAndTime() throws {
        let json = try Self.describe("freescale.bpm.measurement").json
        #expect(json["apdu"] == "PRST")
        #expect(json["message"] == "roiv-cmip-confirmed-event-report")
        #expect(json["invokeId"] == 0x1236)
        #expect(json["eventType"] == "MDC_NOTI_SCAN_REPORT_FIXED")
        #expect(
            json["readings"]?[0] == [
                "handle": 1, "type": "bloodPressure", "systolic": 120.0, "diastolic": 80.0, "meanArterial": 100.0,
                "unit": "mmHg", "time": "2009-06-12T12:10:00.00",
            ])
        #expect(
            json["readings"]?[1] == [
                "handle": 2, "type": "pulseRate", "pulse": 60.0, "unit": "bpm", "time": "2009-06-12T20:10:00.00",
            ])
    }

    @Test func linesReadLikeTheMeasurement() throws {
        let lines = try Self.describe("antidote.H241_ID_02BC.bp_measurement").lines
        #expect(lines.contains("  handle 1: 120/80 (mean 100) mmHg at 2007-12-06T12:10:00.00"))
        #expect(lines.contains("  handle 2: pulse 60.0 bpm at 2007-12-06T12:10:00.00"))
        #expect(lines.contains("  invoke-id 84 (0x0054), roiv-cmip-confirmed-event-report"))
    }

    @Test(
        arguments: BPVectors.wellFormed.filter {
            $0.id != "antidote.H241.scale_FLOAT_measurement" && !$0.id.contains("mp_fixed")
        })
    func everyVectorHasItsAPDUNameInJSON(_ vector: BPVectors.Vector) throws {
        let description = try APDUDescription(APDU.decode(vector.bytes), configuration: .bloodPressureStandard)
        #expect(description.json["apdu"]?.stringValue == vector.expected["apdu"]?.stringValue)
        #expect(description.lines.first?.hasPrefix(vector.expected["apdu"]?.stringValue ?? "?") == true)
    }

    @Test func associationAndAbortDetails() throws {
        let aarq = try Self.describe("antidote.bp.aarq").json
        #expect(aarq["dataProtocols"]?[0]?["assoc"]?["devConfigId"] == "0x4000")
        #expect(try Self.describe("antidote.rx_abrt_config_timeout").json["reasonName"] == "configuration-timeout")
        #expect(try Self.describe("antidote.H212.aare_unknown_config").json["result"] == "accepted-unknown-config")
    }

    @Test func aReportThatDoesNotFitTheConfigurationIsRejected() throws {
        let apdu = try APDU.decode(BPVectors.vector("antidote.bp.roiv_mds_note_scan_report_mp_fixed").bytes)
        #expect(throws: IEEE11073Error.self) { try APDUDescription(apdu, configuration: .bloodPressureStandard) }
    }
}
