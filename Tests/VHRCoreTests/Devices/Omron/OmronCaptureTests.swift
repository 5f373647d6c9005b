import Testing

@testable import VHRCore

@Suite struct OmronCaptureTests {
    static func reportBytes(_ id: String) -> [UInt8] {
        (OmronVector.libomron[id]?["in_reports"]?.arrayValue ?? []).flatMap {
            VendorVectors.bytes($0.stringValue ?? "")
        }
    }

    @Test func decodesPackedReportsOfAReading() throws {
        let capture = try OmronCapture(bytes: Self.reportBytes("omron.gme.resp"))
        #expect(capture.json["reading"]?["systolic"] == 112)
        #expect(capture.json["reading"]?["time"] == "2007-01-03 00:06:51")
        #expect(capture.lines.last?.contains("112/75 mmHg  pulse 71/min") == true)
    }

    @Test func decodesPaddedReportsTextAndCount() throws {
        let padded = OmronHIDReport.reports(for: try OmronVector.message("omron.ver.resp")).flatMap { $0 }
        #expect(try OmronCapture(bytes: padded).json["text"] == "M7080IT 207")
        #expect(try OmronCapture(bytes: Self.reportBytes("omron.gdc.resp")).json["readingCount"] == 8)
    }

    @Test func decodesBareMessagesAndRecords() throws {
        #expect(try OmronCapture(bytes: Array("VER00".utf8)) == .command(.version))
        #expect(try OmronCapture(bytes: Array("OFF\r\n".utf8), as: .message) == .reply(.off, interpretation: .bytes))
        let weekly = VendorVectors.bytes(OmronVector.libomron["omron.gma.resp"]?["record"]?.stringValue ?? "")
        #expect(try OmronCapture(bytes: weekly, as: .weekly).json["weeklyAverage"]?["systolic"] == 138)
        let init7322 = VendorVectors.bytes(OmronVector.obpm["obpm.cmd_init"]?["hex"]?.stringValue ?? "")
        #expect(try OmronCapture(bytes: init7322) == .eepromCommand(.begin))
        let record = OmronEEPROMRecordTests.pack(
            sys: 130, dia: 85, year: 2021, pulse: 66, month: 5, day: 4, hour: 9, minute: 30)
        let capture = try OmronCapture(bytes: record + [UInt8](repeating: 0xFF, count: 14), as: .eepromRecords)
        #expect(capture.json["slots"] == 2)
        #expect(capture.json["readings"]?[0]?["time"] == "2021-05-04 09:30")
    }

    @Test func rejectsCutReportsPrecisely() {
        var bytes = Self.reportBytes("omron.gme.resp")
        bytes.removeLast()
        #expect(throws: OmronError.badReport(index: 2, count: 3, available: 2)) { try OmronCapture(bytes: bytes) }
    }

    @Test func randomByteFlipsNeverCrash() {
        var random = SeededRandom(seed: 0x0F11)
        let sources = [
            Self.reportBytes("omron.gme.resp"), Self.reportBytes("omron.ver.resp"),
            VendorVectors.bytes(OmronVector.obpm["obpm.cmd_data(addr 0x02AC)"]?["hex"]?.stringValue ?? ""),
        ]
        var rejected = 0
        for round in 0..<600 {
            var bytes = sources[round % sources.count]
            for _ in 0...Int.random(in: 0...2, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            for layout in OmronCapture.Layout.allCases {
                do {
                    _ = try OmronCapture(bytes: bytes, as: layout).json
                } catch {
                    rejected += 1
                    #expect(!error.description.isEmpty)
                }
            }
        }
        #expect(rejected > 0)
    }
}
