/// Turns scan reports into readings using the agent's configuration (IEEE 11073-10407 and extended
/// configurations alike).
///
/// Fixed-format observations are split strictly by the object's value map: the map's lengths must add up
/// to the observation's length, and each known attribute must have exactly its size. Attributes the
/// manager does not interpret are skipped by length.
public struct BloodPressureDecoder: Sendable {
    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Every reading in a scan report, in report order.
    public func readings(from report: ScanReport) throws(IEEE11073Error) -> [PHDReading] {
        var readings: [PHDReading] = []
        for group in report.groups {
            for observation in group.observations {
                readings.append(try reading(observation, personID: group.personID))
            }
        }
        return readings
    }

    /// Every reading in an APDU that carries a scan report; empty for any other APDU.
    public func readings(from apdu: APDU) throws(IEEE11073Error) -> [PHDReading] {
        guard case .presentation(let data) = apdu, case .eventReport(let argument, _) = data.message,
            case .scan(let report) = argument.info
        else { return [] }
        return try readings(from: report)
    }

    private struct Accumulator {
        var values: [NumericValue] = []
        var time: AbsoluteTime?
        var status: UInt16?
    }

    private func reading(_ observation: ScanReport.Observation, personID: UInt16?) throws(IEEE11073Error)
        -> PHDReading
    {
        let path = "ScanReport.observation[handle \(observation.handle)]"
        guard let object = configuration.object(handle: observation.handle) else {
            throw IEEE11073Error(field: path, offset: 0, kind: .unknownHandle(observation.handle))
        }
        var accumulator = Accumulator()
        switch observation.content {
        case .fixed(let bytes):
            var reader = MDERReader(bytes, path: path)
            for entry in object.valueMap {
                var value = try reader.nested(length: Int(entry.length), Nomenclature.attributeName(entry.attributeID))
                try Self.interpret(entry.attributeID, &value, into: &accumulator)
            }
            try reader.finish()
        case .attributes(let attributes):
            for attribute in attributes {
                var value = MDERReader(attribute.value, path: path + "." + Nomenclature.attributeName(attribute.id))
                try Self.interpret(attribute.id, &value, into: &accumulator)
            }
        }
        return PHDReading(
            handle: observation.handle, personID: personID, kind: try Self.kind(object, accumulator.values, path),
            unit: object.unit, time: accumulator.time, measurementStatus: accumulator.status)
    }

    private static func interpret(_ id: UInt16, _ reader: inout MDERReader, into accumulator: inout Accumulator)
        throws(IEEE11073Error)
    {
        switch id {
        case Nomenclature.attrBasicValue:
            accumulator.values.append(try SFloat.read(&reader, "value").value)
        case Nomenclature.attrSimpleValue:
            accumulator.values.append(try Float32Value.read(&reader, "value").value)
        case Nomenclature.attrCompoundBasicValue:
            accumulator.values += try reader.sequence("values") { (list: inout MDERReader) throws(IEEE11073Error) in
                try SFloat.read(&list, "value").value
            }
        case Nomenclature.attrCompoundSimpleValue:
            accumulator.values += try reader.sequence("values") { (list: inout MDERReader) throws(IEEE11073Error) in
                try Float32Value.read(&list, "value").value
            }
        case Nomenclature.attrTimeStampAbsolute:
            accumulator.time = try AbsoluteTime.read(&reader, "time")
        case Nomenclature.attrMeasurementStatus:
            accumulator.status = try reader.u16("status")
        default:
            // Not used by this manager: skipped by its length, as the standard asks.
            _ = reader.rest()
        }
        try reader.finish()
    }

    private static func kind(_ object: MetricObject, _ values: [NumericValue], _ path: String) throws(IEEE11073Error)
        -> PHDReading.Kind
    {
        switch object.type {
        case Nomenclature.pressureNoninvasive:
            // The physio list gives the components' order; the standard order is systolic, diastolic, mean.
            let order =
                object.physiologicalIDs.isEmpty
                ? [Nomenclature.systolic, Nomenclature.diastolic, Nomenclature.meanArterial] : object.physiologicalIDs
            guard values.count == 3, order.count == 3,
                let systolic = order.firstIndex(of: Nomenclature.systolic),
                let diastolic = order.firstIndex(of: Nomenclature.diastolic),
                let mean = order.firstIndex(of: Nomenclature.meanArterial)
            else {
                throw IEEE11073Error(
                    field: path, offset: 0,
                    kind: .invalidValue(
                        expected: "systolic, diastolic and mean (3 values)", found: "\(values.count) values"))
            }
            return .bloodPressure(systolic: values[systolic], diastolic: values[diastolic], meanArterial: values[mean])
        case Nomenclature.pulseRate:
            guard values.count == 1 else {
                throw IEEE11073Error(
                    field: path, offset: 0,
                    kind: .invalidValue(expected: "one pulse value", found: "\(values.count) values"))
            }
            return .pulseRate(values[0])
        default:
            return .other(partition: object.partition, type: object.type, values: values)
        }
    }
}
