/// One object of a configuration as the manager needs it: what it measures, in which unit, and how its
/// fixed-format observations are laid out (the attribute value map).
public struct MetricObject: Sendable, Hashable, Codable {
    /// One entry of MDC_ATTR_ATTRIBUTE_VAL_MAP: which attribute comes next in a fixed-format observation,
    /// and how many bytes it takes.
    public struct ValueMapEntry: Sendable, Hashable, Codable {
        public var attributeID: UInt16
        public var length: UInt16

        public init(attributeID: UInt16, length: UInt16) {
            self.attributeID = attributeID
            self.length = length
        }
    }

    public var handle: UInt16
    public var objectClass: UInt16
    /// The nomenclature partition of `type` (2 = SCADA for vital signs).
    public var partition: UInt16
    /// MDC_ATTR_ID_TYPE's code, e.g. MDC_PRESS_BLD_NONINV; 0 when the object has none.
    public var type: UInt16
    /// MDC_ATTR_UNIT_CODE, e.g. mmHg, kPa, bpm.
    public var unit: UInt16?
    /// MDC_ATTR_ID_PHYSIO_LIST: the codes of a compound value's components, in order.
    public var physiologicalIDs: [UInt16]
    public var metricSpec: UInt16?
    public var metricStructure: UInt16?
    /// MDC_ATTR_NU_ACCUR_MSMT, when the agent states it.
    public var accuracy: Float32Value?
    public var valueMap: [ValueMapEntry]

    public init(
        handle: UInt16, objectClass: UInt16 = Nomenclature.classNumeric, partition: UInt16 = 2, type: UInt16,
        unit: UInt16?, physiologicalIDs: [UInt16] = [], metricSpec: UInt16? = nil, metricStructure: UInt16? = nil,
        accuracy: Float32Value? = nil, valueMap: [ValueMapEntry]
    ) {
        self.handle = handle
        self.objectClass = objectClass
        self.partition = partition
        self.type = type
        self.unit = unit
        self.physiologicalIDs = physiologicalIDs
        self.metricSpec = metricSpec
        self.metricStructure = metricStructure
        self.accuracy = accuracy
        self.valueMap = valueMap
    }

    /// Interprets a configuration report's object; attributes this manager does not use are skipped, the
    /// ones it uses must have exactly their standard size.
    public init(_ object: ConfigReport.Object) throws(IEEE11073Error) {
        self.init(
            handle: object.handle, objectClass: object.objectClass, partition: 0, type: 0, unit: nil, valueMap: [])
        for attribute in object.attributes {
            let path = "ConfigReport.object[handle \(object.handle)].\(Nomenclature.attributeName(attribute.id))"
            var reader = MDERReader(attribute.value, path: path)
            switch attribute.id {
            case Nomenclature.attrIDType:
                partition = try reader.u16("partition")
                type = try reader.u16("code")
            case Nomenclature.attrUnitCode: unit = try reader.u16("unit-code")
            case Nomenclature.attrMetricSpecSmall: metricSpec = try reader.u16("metric-spec-small")
            case Nomenclature.attrMetricStructSmall: metricStructure = try reader.u16("metric-struct-small")
            case Nomenclature.attrAccuracy: accuracy = try Float32Value.read(&reader, "accuracy")
            case Nomenclature.attrIDPhysioList:
                physiologicalIDs = try reader.sequence("physio-list") {
                    (list: inout MDERReader) throws(IEEE11073Error) in
                    try list.u16("code")
                }
            case Nomenclature.attrValueMap:
                valueMap = try reader.sequence("value-map") { (list: inout MDERReader) throws(IEEE11073Error) in
                    ValueMapEntry(attributeID: try list.u16("attribute-id"), length: try list.u16("attribute-length"))
                }
            default:
                continue
            }
            try reader.finish()
        }
    }

    /// The object's attributes as a configuration report spells them (for building a report to test with).
    public var attributes: [Attribute] {
        func word(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)] }
        var list = [Attribute(id: Nomenclature.attrIDType, value: word(partition) + word(type))]
        if let metricSpec { list.append(Attribute(id: Nomenclature.attrMetricSpecSmall, value: word(metricSpec))) }
        if let metricStructure {
            list.append(Attribute(id: Nomenclature.attrMetricStructSmall, value: word(metricStructure)))
        }
        if !physiologicalIDs.isEmpty {
            var writer = MDERWriter()
            writer.sequence(physiologicalIDs) { writer, id in writer.u16(id) }
            list.append(Attribute(id: Nomenclature.attrIDPhysioList, value: writer.bytes))
        }
        if let unit { list.append(Attribute(id: Nomenclature.attrUnitCode, value: word(unit))) }
        if let accuracy {
            var writer = MDERWriter()
            writer.u32(accuracy.raw)
            list.append(Attribute(id: Nomenclature.attrAccuracy, value: writer.bytes))
        }
        if !valueMap.isEmpty {
            var writer = MDERWriter()
            writer.sequence(valueMap) { writer, entry in
                writer.u16(entry.attributeID)
                writer.u16(entry.length)
            }
            list.append(Attribute(id: Nomenclature.attrValueMap, value: writer.bytes))
        }
        return list
    }
}
