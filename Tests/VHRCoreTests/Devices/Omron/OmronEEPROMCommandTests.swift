import Testing

@testable import VHRCore

@Suite struct OmronEEPROMCommandTests {
    /// What each obpm vector is, from its id.
    static let meanings: [String: OmronEEPROMCommand] = [
        "obpm.cmd_init": .begin,
        "obpm.cmd_data(addr 0x02AC)": .read(address: OmronEEPROMCommand.firstRecordAddress, length: 0x28),
        "obpm.cmd_done": .end,
        "obpm.cmd_fail": .fail,
    ]

    @Test(arguments: OmronVector.obpm.keys.sorted())
    func obpmVector(_ id: String) throws {
        let vector = try #require(OmronVector.obpm[id])
        let bytes = VendorVectors.bytes(try #require(vector["hex"]?.stringValue))
        let command = try OmronEEPROMCommand(frame: bytes)
        #expect(command == Self.meanings[id])
        #expect(command.bytes == bytes)
        let check = UInt8(vector["stored_check_byte"]?.stringValue?.dropFirst(2) ?? "", radix: 16)
        #expect(OmronChecksum.xor(bytes[1...7]) == check)
        #expect(bytes.last == check)
    }

    @Test func readsAtAnyAddress() throws {
        let command = OmronEEPROMCommand.read(address: 0x1234, length: 40)
        #expect(try OmronEEPROMCommand(frame: command.bytes) == command)
    }

    @Test func rejectsEachDefectPrecisely() {
        #expect(throws: OmronError.badChecksum(what: "the HEM-7322U command", expected: 0x18, found: 0x19)) {
            try OmronEEPROMCommand(frame: [0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x19])
        }
        #expect(throws: OmronError.wrongLength(what: "the HEM-7322U command", expected: "9", actual: 8)) {
            try OmronEEPROMCommand(frame: [0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00])
        }
        let unknown: [UInt8] = [0x02, 0x08, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08 ^ 0x05]
        #expect(throws: OmronError.unrecognized(unknown)) { try OmronEEPROMCommand(frame: unknown) }
    }
}
