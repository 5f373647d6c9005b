import Foundation
import Testing
import VHRCore

@Suite struct AbsoluteTimeTests {
    @Test func decodesTheAntidoteUnitVectors() throws {
        let vectors = BPVectors.load("antidote.json")["unit_vectors"]?["absolute_time"]?.arrayValue ?? []
        #expect(vectors.count == 3)
        let expected = ["1998-10-25T13:54:35.01", "2000-01-31T00:00:00.00", "2001-09-09T01:46:40.00"]
        for (vector, text) in zip(vectors, expected) {
            let time = try AbsoluteTime(bytes: BPVectors.bytes(vector["bytes"]?.stringValue ?? ""))
            #expect(time.problem == nil)
            #expect(time.description == text)
        }
    }

    @Test func theUTCVectorIsTheSameInstantInUTC() throws {
        let time = try AbsoluteTime(bytes: [0x20, 0x01, 0x09, 0x09, 0x01, 0x46, 0x40, 0x00])
        #expect(
            time.date(in: try #require(TimeZone(identifier: "UTC")))?.timeIntervalSince1970.rounded() == 1_000_000_000)
        // Device-local: the same bytes in Stockholm are an hour or two earlier in UTC.
        let stockholm = try #require(TimeZone(identifier: "Europe/Stockholm"))
        let seconds = try #require(time.date(in: stockholm)?.timeIntervalSince1970)
        #expect(Int(seconds.rounded()) == 1_000_000_000 - 7200, "\(seconds)")
    }

    @Test(arguments: [[UInt8](repeating: 0, count: 8), [UInt8](repeating: 0xFF, count: 8)])
    func flagsAnUnsetClock(_ bytes: [UInt8]) throws {
        let time = try AbsoluteTime(bytes: bytes)
        #expect(time.problem == .unset)
        #expect(time.date(in: .gmt) == nil)
    }

    @Test func flagsBadBCDAndImpossibleDates() throws {
        #expect(try AbsoluteTime(bytes: [0x20, 0x0A, 0x01, 0x01, 0, 0, 0, 0]).problem == .invalidBCD)
        #expect(try AbsoluteTime(bytes: [0x20, 0x23, 0x02, 0x29, 0, 0, 0, 0]).problem == .outOfRange)
        #expect(try AbsoluteTime(bytes: [0x20, 0x24, 0x02, 0x29, 0, 0, 0, 0]).problem == nil)
        #expect(try AbsoluteTime(bytes: [0x20, 0x24, 0x13, 0x01, 0, 0, 0, 0]).problem == .outOfRange)
        #expect(try AbsoluteTime(bytes: [0x20, 0x24, 0x12, 0x01, 0x24, 0, 0, 0]).problem == .outOfRange)
    }

    @Test func needsEightBytes() {
        #expect(throws: IEEE11073Error.self) { try AbsoluteTime(bytes: [0x20, 0x24]) }
    }
}
