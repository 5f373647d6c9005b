/// An attribute value assertion (AVA-Type): an attribute id and its value, still encoded.
///
/// Values stay as bytes here; `MetricObject` and `BloodPressureDecoder` interpret the ones they know and
/// skip the rest by length, as the standard asks of a manager.
public struct Attribute: Sendable, Hashable, Codable {
    public var id: UInt16
    public var value: [UInt8]

    public init(id: UInt16, value: [UInt8]) {
        self.id = id
        self.value = value
    }

    /// Reads an AttributeList (SEQUENCE OF AVA-Type), checking its count and length against its content.
    public static func readList(_ reader: inout MDERReader, _ field: String) throws(IEEE11073Error) -> [Attribute] {
        try reader.sequence(field) { (list: inout MDERReader) throws(IEEE11073Error) in
            let id = try list.u16("attribute-id")
            return Attribute(id: id, value: try list.octetString("attribute-value"))
        }
    }

    /// Writes an AttributeList.
    public static func writeList(_ attributes: [Attribute], to writer: inout MDERWriter) {
        writer.sequence(attributes) { writer, attribute in
            writer.u16(attribute.id)
            writer.octetString(attribute.value)
        }
    }
}
