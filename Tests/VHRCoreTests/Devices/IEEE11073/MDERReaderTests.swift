import Testing
import VHRCore

@Suite struct MDERReaderTests {
    @Test func readsBigEndian() throws {
        var reader = MDERReader([0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE], path: "t")
        #expect(try reader.u8("a") == 0x12)
        #expect(try reader.u16("b") == 0x3456)
        #expect(try reader.u32("c") == 0x789A_BCDE)
        try reader.finish()
    }

    @Test func namesTheFieldAndOffsetOfATruncation() {
        var reader = MDERReader([0x00, 0x05, 0x01], path: "t")
        #expect(throws: IEEE11073Error(field: "t.value", offset: 2, kind: .truncated(needed: 5, available: 1))) {
            try reader.octetString("value")
        }
    }

    @Test func nestedReadersStayInsideTheirLength() throws {
        var reader = MDERReader([0x00, 0x02, 0xAA, 0xBB, 0xCC], path: "t")
        var inner = try reader.lengthPrefixed("inner")
        #expect(try inner.u16("x") == 0xAABB)
        #expect(throws: IEEE11073Error(field: "t.inner.y", offset: 4, kind: .truncated(needed: 1, available: 0))) {
            try inner.u8("y")
        }
        #expect(try reader.u8("z") == 0xCC)
    }

    @Test func sequencesMustSpanExactlyTheirLength() throws {
        var good = MDERReader([0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02], path: "t")
        #expect(try good.sequence("list") { (r: inout MDERReader) throws(IEEE11073Error) in try r.u16("e") } == [1, 2])
        // Count 1 but length 4: two bytes left over.
        var long = MDERReader([0x00, 0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02], path: "t")
        #expect(
            throws: IEEE11073Error(field: "t.list.length", offset: 2, kind: .lengthMismatch(declared: 4, actual: 2))
        ) {
            try long.sequence("list") { (r: inout MDERReader) throws(IEEE11073Error) in try r.u16("e") }
        }
        // Count 3 but length 4: runs out after two.
        var short = MDERReader([0x00, 0x03, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02], path: "t")
        #expect(throws: IEEE11073Error.self) {
            try short.sequence("list") { (r: inout MDERReader) throws(IEEE11073Error) in try r.u16("e") }
        }
    }

    @Test func aHugeCountReservesNoMemoryForIt() {
        var reader = MDERReader([0xFF, 0xFF, 0x00, 0x00], path: "t")
        #expect(throws: IEEE11073Error.self) {
            try reader.sequence("list") { (r: inout MDERReader) throws(IEEE11073Error) in try r.u16("e") }
        }
    }

    @Test func finishReportsTrailingBytes() {
        let reader = MDERReader([1, 2], path: "t")
        #expect(throws: IEEE11073Error(field: "t", offset: 0, kind: .trailingBytes(count: 2))) { try reader.finish() }
    }
}
