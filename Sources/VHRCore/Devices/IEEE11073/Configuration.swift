/// An agent's configuration: its measurement objects by handle, standard (0x0001–0x3FFF, known to the
/// manager in advance) or extended (0x4000–0x7FFF, learned from a configuration report).
///
/// Codable so the caller can persist extended configurations per device system id, which lets the next
/// association skip the configuration exchange.
public struct Configuration: Sendable, Hashable, Codable {
    public var id: UInt16
    public var objects: [MetricObject]

    public init(id: UInt16, objects: [MetricObject]) {
        self.id = id
        self.objects = objects
    }

    /// Builds a configuration from an agent's configuration report.
    public init(report: ConfigReport) throws(IEEE11073Error) {
        var objects: [MetricObject] = []
        for object in report.objects {
            guard !objects.contains(where: { $0.handle == object.handle }) else {
                throw IEEE11073Error(
                    field: "ConfigReport.config-obj-list", offset: 0,
                    kind: .invalidValue(expected: "unique object handles", found: "handle \(object.handle) twice"))
            }
            objects.append(try MetricObject(object))
        }
        self.init(id: report.reportID, objects: objects)
    }

    /// The object with `handle`.
    public func object(handle: UInt16) -> MetricObject? {
        objects.first { $0.handle == handle }
    }

    /// True if this configuration has a blood-pressure or pulse-rate object, the reason to associate.
    public var supportsBloodPressure: Bool {
        objects.contains { object in
            object.type == Nomenclature.pressureNoninvasive || object.type == Nomenclature.pulseRate
        }
    }

    /// The configuration report an agent with this configuration would send.
    public var report: ConfigReport {
        ConfigReport(
            reportID: id,
            objects: objects.map {
                ConfigReport.Object(objectClass: $0.objectClass, handle: $0.handle, attributes: $0.attributes)
            })
    }

    /// IEEE 11073-10407's standard configuration 0x02BC (700): handle 1 systolic/diastolic/mean in mmHg,
    /// handle 2 pulse rate in beats per minute, both with an absolute time stamp.
    public static let bloodPressureStandard = Configuration(
        id: 0x02BC,
        objects: [
            MetricObject(
                handle: 1, type: Nomenclature.pressureNoninvasive, unit: Nomenclature.unitMillimetreMercury,
                physiologicalIDs: [Nomenclature.systolic, Nomenclature.diastolic, Nomenclature.meanArterial],
                metricSpec: 0xF040, metricStructure: 0x0303,
                valueMap: [
                    .init(attributeID: Nomenclature.attrCompoundBasicValue, length: 10),
                    .init(attributeID: Nomenclature.attrTimeStampAbsolute, length: 8),
                ]),
            MetricObject(
                handle: 2, type: Nomenclature.pulseRate, unit: Nomenclature.unitBeatsPerMinute, metricSpec: 0xF040,
                valueMap: [
                    .init(attributeID: Nomenclature.attrBasicValue, length: 2),
                    .init(attributeID: Nomenclature.attrTimeStampAbsolute, length: 8),
                ]),
        ])

    /// The standard configurations this manager knows without being told.
    public static func standard(id: UInt16) -> Configuration? {
        id == bloodPressureStandard.id ? bloodPressureStandard : nil
    }
}
