import Testing
import VHRCore

@Suite struct AttributeTests {
    @Test func listsRoundTrip() throws {
        let attributes = [Attribute(id: 0x0996, value: [0x0F, 0x20]), Attribute(id: 0x0A46, value: [])]
        var writer = MDERWriter()
        Attribute.writeList(attributes, to: &writer)
        #expect(writer.bytes == [0, 2, 0, 10, 0x09, 0x96, 0, 2, 0x0F, 0x20, 0x0A, 0x46, 0, 0])
        var reader = MDERReader(writer.bytes, path: "t")
        #expect(try Attribute.readList(&reader, "list") == attributes)
    }

    @Test func aValueLongerThanTheListIsATruncation() {
        var reader = MDERReader([0, 1, 0, 4, 0x09, 0x96, 0, 9], path: "t")
        #expect(
            throws: IEEE11073Error(
                field: "t.list.attribute-value", offset: 8, kind: .truncated(needed: 9, available: 0))
        ) {
            try Attribute.readList(&reader, "list")
        }
    }
}
