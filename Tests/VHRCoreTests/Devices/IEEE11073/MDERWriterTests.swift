import Testing
import VHRCore

@Suite struct MDERWriterTests {
    @Test func writesBigEndianWithLengths() {
        var writer = MDERWriter()
        writer.u8(1)
        writer.u16(0x0203)
        writer.u32(0x0405_0607)
        writer.octetString([0xAA])
        writer.sequence([UInt16(0x0A0B)]) { writer, value in writer.u16(value) }
        writer.lengthPrefixed { $0.u8(0xFF) }
        #expect(writer.bytes == [1, 2, 3, 4, 5, 6, 7, 0, 1, 0xAA, 0, 1, 0, 2, 0x0A, 0x0B, 0, 1, 0xFF])
    }

    @Test func whatItWritesTheReaderReads() throws {
        var writer = MDERWriter()
        writer.sequence([UInt16(7), 8, 9]) { writer, value in writer.u16(value) }
        var reader = MDERReader(writer.bytes, path: "t")
        #expect(
            try reader.sequence("s") { (r: inout MDERReader) throws(IEEE11073Error) in try r.u16("e") } == [7, 8, 9])
        try reader.finish()
    }
}
