import Foundation
import Testing
import VHRCore

@Suite struct ConfigurationTests {
    static func report(_ id: String) throws -> ConfigReport {
        guard case .presentation(let data) = try APDU.decode(BPVectors.vector(id).bytes),
            case .eventReport(let argument, _) = data.message, case .configuration(let report) = argument.info
        else { throw IEEE11073Error(field: id, offset: 0, kind: .unknownChoice(0)) }
        return report
    }

    @Test func theBuiltInStandardConfigurationMatchesFreescalesReport() throws {
        let parsed = try Configuration(report: Self.report("freescale.bpm.config_report"))
        #expect(parsed.id == 0x02BC)
        // Freescale also states the accuracy (2.0 mmHg, 1.0 bpm), an optional attribute the table omits.
        #expect(parsed.objects.map(\.accuracy?.value.double) == [2.0, 1.0])
        var withoutAccuracy = parsed
        for index in withoutAccuracy.objects.indices { withoutAccuracy.objects[index].accuracy = nil }
        #expect(withoutAccuracy == Configuration.bloodPressureStandard)
    }

    @Test func learnsTheAntidoteExtendedConfiguration() throws {
        let configuration = try Configuration(report: Self.report("antidote.bp.roiv_mdc_noti_config"))
        #expect(configuration.id == 0x4000)
        #expect(configuration.objects.map(\.handle) == [1, 2, 3])
        #expect(
            configuration.objects.map(\.type) == [Nomenclature.pressureNoninvasive, Nomenclature.pulseRate, 0xF012])
        #expect(configuration.object(handle: 3)?.valueMap.map(\.length) == [2, 8])
        #expect(configuration.supportsBloodPressure)
    }

    @Test func aReportBuiltFromTheStandardConfigurationParsesBack() throws {
        #expect(try Configuration(report: Configuration.bloodPressureStandard.report) == .bloodPressureStandard)
    }

    @Test func survivesPersistence() throws {
        let known: [[UInt8]: [UInt16: Configuration]] = [[1, 2, 3]: [0x4000: .bloodPressureStandard]]
        let data = try JSONEncoder().encode(known)
        #expect(try JSONDecoder().decode([[UInt8]: [UInt16: Configuration]].self, from: data) == known)
    }

    @Test func rejectsAnAttributeOfTheWrongSize() {
        let object = ConfigReport.Object(
            objectClass: 6, handle: 1, attributes: [Attribute(id: Nomenclature.attrUnitCode, value: [0x0F, 0x20, 0])])
        #expect(
            throws: IEEE11073Error(
                field: "ConfigReport.object[handle 1].MDC_ATTR_UNIT_CODE", offset: 2, kind: .trailingBytes(count: 1))
        ) { try Configuration(report: ConfigReport(reportID: 0x4000, objects: [object])) }
    }

    @Test func rejectsDuplicateHandles() {
        let object = ConfigReport.Object(objectClass: 6, handle: 1, attributes: [])
        #expect(throws: IEEE11073Error.self) {
            try Configuration(report: ConfigReport(reportID: 0x4000, objects: [object, object]))
        }
    }

    @Test func onlyTheBloodPressureStandardIsKnown() {
        #expect(Configuration.standard(id: 0x02BC) == .bloodPressureStandard)
        #expect(Configuration.standard(id: 0x4000) == nil)
        #expect(!Configuration(id: 0x4000, objects: []).supportsBloodPressure)
    }
}
