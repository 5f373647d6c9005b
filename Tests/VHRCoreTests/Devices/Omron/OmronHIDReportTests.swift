import Testing

@testable import VHRCore

@Suite struct OmronHIDReportTests {
    static let message =
        Array("OK".utf8) + [0x00, 0x07, 0x01, 0x03, 0x00, 0x06, 0x33, 0x00, 0x00, 0x70, 0x4B, 0x47, 0x00, 0x00, 0x4C]

    @Test func reportsArePaddedAndCounted() {
        let reports = OmronHIDReport.reports(for: Self.message)
        #expect(reports.map { $0[0] } == [7, 7, 3])
        #expect(reports.allSatisfy { $0.count == 8 })
    }

    /// Devices may split a message into reports of any size 1...7; joining must not care.
    @Test func joinsRandomReportSplits() throws {
        var random = SeededRandom(seed: 0x0A1B)
        for _ in 0..<200 {
            var reports: [[UInt8]] = []
            var offset = 0
            while offset < Self.message.count {
                let count = Int.random(in: 1...min(7, Self.message.count - offset), using: &random)
                reports.append([UInt8(count)] + Self.message[offset..<(offset + count)])
                offset += count
            }
            #expect(try OmronHIDReport.message(from: reports) == Self.message)
            #expect(try OmronHIDReport.split(reports.flatMap { $0 }) == reports)
            var assembler = OmronReplyAssembler(for: .reading(bank: 0, index: 0))
            var replies: [OmronReply] = []
            for report in reports {
                if let reply = try assembler.append(report: report) { replies.append(reply) }
            }
            #expect(replies.count == 1)
        }
    }

    @Test func splitPrefersWholeEightByteReports() throws {
        let padded = OmronHIDReport.reports(for: Self.message)
        #expect(try OmronHIDReport.split(padded.flatMap { $0 }) == padded)
    }

    @Test func rejectsBadCountsAndCutReports() {
        #expect(throws: OmronError.badReport(index: 0, count: 9, available: 2)) {
            try OmronHIDReport.message(from: [[0x09, 0x01, 0x02]])
        }
        #expect(throws: OmronError.badReport(index: 1, count: 3, available: 1)) {
            try OmronHIDReport.split([0x01, 0x4E, 0x03, 0x4F])
        }
        #expect(OmronError.badReport(index: 1, count: 3, available: 1).description.contains("cut short"))
        #expect(OmronError.badReport(index: 0, count: 0, available: 7).description.contains("1 to 7"))
    }
}
