import Testing

@testable import VHRCore

@Suite struct OmronReplyTests {
    @Test func allVectorsAreLoaded() {
        #expect(OmronVector.libomron.count == 8)
        #expect(OmronVector.obpm.count == 4)
    }

    /// Every libomron vector, each checked against what its file says.
    @Test(arguments: OmronVector.libomron.keys.sorted())
    func libomronVector(_ id: String) throws {
        let vector = try #require(OmronVector.libomron[id])
        switch id {
        case "omron.ver.resp":
            let message = try OmronVector.message(id)
            #expect(OmronChecksum.xor(message.dropFirst(2)) == 0)
            #expect(try OmronReply(message: message) == .ok(status: 0, data: Array("M7080IT 207".utf8)))
        case "omron.gdc.resp":
            let message = try OmronVector.message(id)
            let reply = try OmronReply(message: message)
            #expect(reply == .ok(status: 0, data: [0x00, 0x0A, 0x00, 0x08]))
            // The file says the count is "byte[6] of the full buffer" as omron.c reads it; that byte
            // is 0x08 (its "(0x0a=10)" misreads the bytes, and the notes' "byte 3" is 0x08 too).
            #expect(reply.readingCount == Int(message[6]))
            #expect(reply.readingCount == 8)
        case "omron.gme.resp":
            let message = try OmronVector.message(id)
            let reply = try OmronReply(message: message)
            let record = VendorVectors.bytes(try #require(vector["record"]?.stringValue))
            #expect(reply.record == record)
            #expect(OmronChecksum.xor(record) == 0)
            let reading = try OmronStoredReading(record: record)
            let meaning = try #require(vector["meaning"])
            #expect(reading.year == 2000 + Int(meaning["year"]?.stringValue?.dropFirst(2).prefix(2) ?? "", radix: 16)!)
            #expect(Int64(reading.month) == meaning["month"]?.intValue)
            #expect(Int64(reading.day) == meaning["day"]?.intValue)
            #expect(Int64(reading.hour) == meaning["hour"]?.intValue)
            #expect(Int64(reading.minute) == meaning["minute"]?.intValue)
            #expect(reading.second == 0x33)  // "raw 0x33": read as binary, like every other field
            #expect(Int64(reading.systolic) == meaning["sys"]?.intValue)
            #expect(Int64(reading.diastolic) == meaning["dia"]?.intValue)
            #expect(Int64(reading.pulse) == meaning["pulse"]?.intValue)
            #expect(reading.flags == 0)
            #expect(reading.truReadPosition == nil)
        case "omron.gma.resp":
            let record = VendorVectors.bytes(try #require(vector["record"]?.stringValue))
            let average = try OmronWeeklyAverage(record: record)
            let meaning = try #require(vector["meaning"])
            #expect(Int64(average.year - 2000) == meaning["year"]?.intValue)
            #expect(Int64(average.month) == meaning["month"]?.intValue)
            #expect(Int64(average.day) == meaning["day"]?.intValue)
            #expect(average.systolic == 138)  // "0x71 + 25 = 138 (unit shows 138)"
            #expect(average.diastolic.map(Int64.init) == meaning["dia"]?.intValue)
            #expect(average.pulse.map(Int64.init) == meaning["pulse"]?.intValue)
        case "omron.end.cmd":
            let reply = VendorVectors.bytes(String(try #require(vector["resp"]?.stringValue).prefix(14)))
            #expect(try OmronReply(message: reply) == .off)
        case "omron.ver.cmd":
            let payload = VendorVectors.bytes(try #require(vector["payload"]?.stringValue))
            #expect(try OmronCommand(bytes: payload) == .version)
        case "omron.gdc.cmd", "omron.gme.cmd":
            // Templates ("<bank>"): expanded and checked in OmronCommandTests.matchTheVectorTemplates.
            #expect(vector["payload"]?.stringValue?.contains("<bank>") == true)
        default:
            Issue.record("no check for vector \(id)")
        }
    }

    @Test func notReadyAndUnknownReplies() throws {
        #expect(try OmronReply(message: Array("NO".utf8)) == .notReady)
        #expect(throws: OmronError.unrecognized(Array("HI".utf8))) { try OmronReply(message: Array("HI".utf8)) }
        #expect(throws: OmronError.wrongLength(what: "the OK reply", expected: "at least 4", actual: 3)) {
            try OmronReply(message: [0x4F, 0x4B, 0x00])
        }
    }

    @Test func corruptedReplyIsRejectedNamingBothChecksums() throws {
        var message = try OmronVector.message("omron.gme.resp")
        message[10] ^= 0x01  // record byte 7 (unknown, 00) → 01
        #expect(throws: OmronError.badChecksum(what: "the OK reply", expected: 0x4D, found: 0x4C)) {
            try OmronReply(message: message)
        }
    }

    @Test func assemblerJoinsPaddedReportsAndStopsOnNO() throws {
        let reports = (OmronVector.libomron["omron.gme.resp"]?["in_reports"]?.arrayValue ?? []).map {
            VendorVectors.bytes($0.stringValue ?? "")
        }
        #expect(reports.count == 3)
        var assembler = OmronReplyAssembler(for: .reading(bank: 0, index: 0))
        var replies: [OmronReply] = []
        for report in reports {
            let padded = report + [UInt8](repeating: 0xAA, count: 8 - report.count)
            if let reply = try assembler.append(report: padded) { replies.append(reply) }
        }
        #expect(replies.count == 1)
        #expect(
            replies.first?.record
                == VendorVectors.bytes(OmronVector.libomron["omron.gme.resp"]?["record"]?.stringValue ?? ""))

        var busy = OmronReplyAssembler(for: .reading(bank: 0, index: 0))
        #expect(try busy.append(report: [0x02, 0x4E, 0x4F, 0, 0, 0, 0, 0]) == .notReady)
    }

    @Test func assemblerRejectsOverlongReplies() throws {
        var assembler = OmronReplyAssembler(for: .readingCount(bank: 0))
        #expect(try assembler.append(report: [0x07, 0x4F, 0x4B, 0x00, 0x00, 0x0A, 0x00, 0x08]) == nil)
        #expect(throws: OmronError.wrongLength(what: "the reply", expected: "8", actual: 9)) {
            try assembler.append(report: [0x02, 0x02, 0x00, 0, 0, 0, 0, 0])
        }
    }
}
