import Testing
import VHRCore

@Suite struct MetricObjectTests {
    @Test func unknownAttributesAreSkipped() throws {
        let object = ConfigReport.Object(
            objectClass: 6, handle: 4,
            attributes: [
                Attribute(id: 0x0A99, value: [1, 2, 3, 4, 5]),
                Attribute(id: Nomenclature.attrUnitCode, value: [0x0F, 0x03]),
            ])
        let metric = try MetricObject(object)
        #expect(metric.unit == Nomenclature.unitKilopascal)
        #expect(metric.valueMap.isEmpty)
    }

    @Test func attributesParseBack() throws {
        for object in Configuration.bloodPressureStandard.objects {
            let report = ConfigReport.Object(
                objectClass: object.objectClass, handle: object.handle, attributes: object.attributes)
            #expect(try MetricObject(report) == object)
        }
    }

    @Test func aShortIDTypeIsATruncation() {
        let object = ConfigReport.Object(
            objectClass: 6, handle: 1, attributes: [Attribute(id: Nomenclature.attrIDType, value: [0, 2])])
        #expect(
            throws: IEEE11073Error(
                field: "ConfigReport.object[handle 1].MDC_ATTR_ID_TYPE.code", offset: 2,
                kind: .truncated(needed: 2, available: 0))
        ) {
            try MetricObject(object)
        }
    }
}
