import Testing
import VHRCore

@Suite struct HexTests {
    @Test func parsesCaptureStyles() throws {
        #expect(try Hex.parse("e7 00 00 0e") == [0xE7, 0, 0, 0x0E])
        #expect(try Hex.parse("E700000E") == [0xE7, 0, 0, 0x0E])
        #expect(try Hex.parse("0xe7, 0x00\n0x0e") == [0xE7, 0, 0x0E])
        #expect(try Hex.parse("  ") == [])
    }

    @Test func rejectsOddDigitsAndOtherCharacters() {
        #expect(throws: Hex.ParseError.self) { try Hex.parse("e7 0") }
        #expect(throws: Hex.ParseError.self) { try Hex.parse("e7 zz") }
        #expect(throws: Hex.ParseError.self) { try Hex.parse("e0x1") }
    }

    @Test func formats() {
        #expect(Hex.word(0x2BC) == "02BC")
        #expect(Hex.doubleWord(0xF) == "0000000F")
        #expect(Hex.string([0x0A, 0xFF], separator: " ") == "0a ff")
    }
}
