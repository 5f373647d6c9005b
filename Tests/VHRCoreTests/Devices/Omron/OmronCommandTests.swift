import Testing

@testable import VHRCore

@Suite struct OmronCommandTests {
    static let allCommands: [OmronCommand] = [
        .version, .profile, .serialNumber, .readingCount(bank: 0), .readingCount(bank: 2),
        .reading(bank: 0, index: 0), .reading(bank: 1, index: 5), .weeklyAverage(evening: false, bank: 0, index: 6),
        .weeklyAverage(evening: true, bank: 1, index: 3), .end,
    ]

    @Test(arguments: allCommands)
    func roundTripsThroughReports(_ command: OmronCommand) throws {
        #expect(OmronChecksum.xor(command.bytes.dropFirst(3)) == 0)
        let reports = command.reports
        #expect(reports.allSatisfy { $0.count == 8 })
        #expect(try OmronCommand(bytes: try OmronHIDReport.message(from: reports)) == command)
    }

    /// "47 44 43 00 <bank> 00 00 <bank>" and the GME template, for each bank and a few indexes.
    @Test func matchTheVectorTemplates() throws {
        let vectors = OmronVector.libomron
        let gdc = try #require(vectors["omron.gdc.cmd"]?["payload"]?.stringValue)
        let gme = try #require(vectors["omron.gme.cmd"]?["payload"]?.stringValue)
        for bank: UInt8 in 0...2 {
            func fill(_ template: String, index: UInt8) -> [UInt8] {
                template.split(separator: " ").map { token -> UInt8 in
                    switch token {
                    case "<bank>": bank
                    case "<index>": index
                    case "<index^bank>": index ^ bank
                    default: UInt8(token, radix: 16) ?? 0xEE
                    }
                }
            }
            #expect(OmronCommand.readingCount(bank: bank).bytes == fill(gdc, index: 0))
            for index: UInt8 in [0, 1, 7, 99] {
                #expect(OmronCommand.reading(bank: bank, index: index).bytes == fill(gme, index: index))
                #expect(try OmronCommand(bytes: fill(gme, index: index)) == .reading(bank: bank, index: index))
            }
        }
        let example = VendorVectors.bytes(try #require(vectors["omron.gme.cmd"]?["example"]?.stringValue))
        #expect(try OmronCommand(bytes: Array(example.prefix(8))) == .reading(bank: 0, index: 0))
    }

    @Test func versionAndEndMatchTheVectors() throws {
        let vectors = OmronVector.libomron
        let report = VendorVectors.bytes(try #require(vectors["omron.ver.cmd"]?["out_reports"]?[0]?.stringValue))
        #expect(Array(OmronCommand.version.reports[0].prefix(report.count)) == report)
        let versionPayload = VendorVectors.bytes(try #require(vectors["omron.ver.cmd"]?["payload"]?.stringValue))
        #expect(try OmronCommand(bytes: versionPayload) == .version)
        let end = VendorVectors.bytes(try #require(vectors["omron.end.cmd"]?["payload"]?.stringValue))
        #expect(OmronCommand.end.bytes == end)
        #expect(try OmronCommand(bytes: end) == .end)
    }

    /// The protocol notes' GDC example ends in 01 where the XOR of the arguments is 00: rejected.
    @Test func rejectsTheInconsistentDocumentationExample() {
        #expect(throws: OmronError.badChecksum(what: "the GDC command", expected: 0x00, found: 0x01)) {
            try OmronCommand(bytes: [0x47, 0x44, 0x43, 0x00, 0x00, 0x00, 0x00, 0x01])
        }
    }

    @Test func rejectsWrongLengthAndUnknownMnemonics() {
        #expect(throws: OmronError.wrongLength(what: "the GME command", expected: "8", actual: 7)) {
            try OmronCommand(bytes: [0x47, 0x4D, 0x45, 0x00, 0x00, 0x00, 0x00])
        }
        #expect(throws: OmronError.unrecognized([0x58, 0x59, 0x5A, 0x00])) {
            try OmronCommand(bytes: [0x58, 0x59, 0x5A, 0x00])
        }
    }

    @Test func replyLengthsMatchTheVectorReplies() throws {
        for (id, command) in [
            ("omron.ver.resp", OmronCommand.version), ("omron.gdc.resp", .readingCount(bank: 0)),
            ("omron.gme.resp", .reading(bank: 0, index: 0)),
        ] {
            let message = try OmronVector.message(id)
            #expect(message.count == command.replyLength, "\(id)")
        }
        #expect(OmronCommand.end.replyLength == "OFF\r\n".utf8.count)
    }
}

/// The vector files of the two Omron families, by id.
enum OmronVector {
    static let libomron: [String: JSONValue] = index(VendorVectors.file("omron-hem790it-libomron.json"))
    static let obpm: [String: JSONValue] = index(VendorVectors.file("omron-hem7322u-obpm.json"))

    static func index(_ file: JSONValue) -> [String: JSONValue] {
        var vectors: [String: JSONValue] = [:]
        for vector in file["vectors"]?.arrayValue ?? [] {
            if let id = vector["id"]?.stringValue { vectors[id] = vector }
        }
        return vectors
    }

    /// The message carried by a libomron vector's input reports.
    static func message(_ id: String) throws -> [UInt8] {
        let reports = (libomron[id]?["in_reports"]?.arrayValue ?? []).map { VendorVectors.bytes($0.stringValue ?? "") }
        return try OmronHIDReport.message(from: reports)
    }
}
