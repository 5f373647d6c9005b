import Testing

@testable import VHRCore

@Suite struct SunTechCommandTests {
    /// What each host-to-module vector means, from its "meaning" text.
    static let meanings: [String: SunTechCommand] = [
        "suntech.start_bp": .startAdult,
        "suntech.get_cuff_pressure": .getCuffPressure,
        "suntech.get_bp_data": .getResult,
        "suntech.pneumatics_all_closed": .controlPneumatics(pump: 0, controlValve: 1, dumpValve: 1),
    ]

    @Test(arguments: SunTechVector.all.filter { $0.direction == "host->module" })
    func vectorDecodesAndEncodes(_ vector: SunTechVector) throws {
        let command = try SunTechCommand(frame: vector.bytes)
        #expect(command == Self.meanings[vector.id])
        #expect(command.bytes == vector.bytes)
        #expect(vector.bytes.reduce(0, &+) == vector.sumModulo256)
    }

    @Test func everyVectorHasAMeaning() {
        let ids = SunTechVector.all.filter { $0.direction == "host->module" }.map(\.id)
        #expect(Set(ids) == Set(Self.meanings.keys))
    }

    static let allCommands: [SunTechCommand] = [
        .startAdult, .startPediatric, .startNeonate, .abort, .getResult, .getCuffPressure, .getReturnString,
        .getModuleData, .setInitialInflate(mmHg: 160), .setInitialInflate(mmHg: 0x1234),
        .controlPneumatics(pump: 1, controlValve: 0, dumpValve: 1), .reset,
    ]

    @Test(arguments: allCommands)
    func roundTrips(_ command: SunTechCommand) throws {
        let bytes = command.bytes
        #expect(bytes.first == 0x3A)
        #expect(bytes.reduce(0, &+) == 0)
        #expect(try SunTechCommand(frame: bytes) == command)
    }

    @Test func abortAndInitialInflateBytes() {
        #expect(SunTechCommand.abort.bytes == [0x3A, 0x79, 0x01, 0x00, 0x4C])
        #expect(SunTechCommand.setInitialInflate(mmHg: 160).bytes == [0x3A, 0x17, 0xA0, 0x00, 0x0F])
    }

    @Test func rejectsBadChecksumNamingBoth() {
        #expect(throws: SunTechError.badChecksum(expected: 0xA6, found: 0xA7)) {
            try SunTechCommand(frame: [0x3A, 0x20, 0xA7])
        }
    }

    @Test func rejectsWrongStartShortAndUnknown() {
        #expect(throws: SunTechError.badStartByte(0x3E)) { try SunTechCommand(frame: [0x3E, 0x20, 0xA6]) }
        #expect(throws: SunTechError.tooShort(2)) { try SunTechCommand(frame: [0x3A, 0xC6]) }
        let unknown = [0x3A, 0x55] + [SunTechChecksum.value(for: [0x3A, 0x55])]
        #expect(throws: SunTechError.unknownCommand([0x55])) { try SunTechCommand(frame: unknown) }
        // A known first byte with the wrong number of arguments is not that command.
        let short = [0x3A, 0x79, 0x01] + [SunTechChecksum.value(for: [0x3A, 0x79, 0x01])]
        #expect(throws: SunTechError.unknownCommand([0x79, 0x01])) { try SunTechCommand(frame: short) }
    }

    @Test func errorMessagesSayWhatWasSeen() {
        let message = SunTechError.badChecksum(expected: 0xBA, found: 0xB1).description
        #expect(message.contains("expected BA"))
        #expect(message.contains("found B1"))
        #expect(SunTechError.invalidLength(0).description.contains("length byte is 0"))
    }
}

/// One vector of `suntech-advantage.json`.
struct SunTechVector: Sendable, CustomTestStringConvertible {
    var id: String
    var direction: String
    var bytes: [UInt8]
    var expected: JSONValue?
    var sumModulo256: UInt8

    var testDescription: String { id }

    static let all: [SunTechVector] = {
        let file = VendorVectors.file("suntech-advantage.json")
        return (file["vectors"]?.arrayValue ?? []).map { vector in
            SunTechVector(
                id: vector["id"]?.stringValue ?? "?", direction: vector["dir"]?.stringValue ?? "?",
                bytes: VendorVectors.bytes(vector["hex"]?.stringValue ?? ""), expected: vector["expected"],
                sumModulo256: UInt8(vector["sum_mod_256"]?.stringValue?.dropFirst(2) ?? "", radix: 16) ?? 0xEE)
        }
    }()
}
