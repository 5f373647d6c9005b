import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRDateTimeTests {
    @Test(arguments: [
        (1_773_476_467.0, 3600, "2026-03-14T09:21:07+01:00"),
        (1_773_476_469.412, 3600, "2026-03-14T09:21:09.412+01:00"),
        (1_773_476_467.0, 0, "2026-03-14T08:21:07Z"),
        (1_773_476_467.05, -12_600, "2026-03-14T04:51:07.050-03:30"),
        (1_709_164_800.0, 0, "2024-02-29T00:00:00Z"),
        (0.0, 0, "1970-01-01T00:00:00Z"),
        (-1.0, 0, "1969-12-31T23:59:59Z"),
        (-0.25, 0, "1969-12-31T23:59:59.750Z"),
        (951_868_799.0, 19_800, "2000-03-01T05:29:59+05:30"),
        (4_102_444_799.999, 0, "2099-12-31T23:59:59.999Z"),
    ])
    func formatsWithTheZoneOffset(seconds: Double, offset: Int, expected: String) {
        let text = FHIRDateTime.string(Date(timeIntervalSince1970: seconds), in: TimeZone(secondsFromGMT: offset)!)
        #expect(text == expected)
    }

    @Test func followsDaylightSavingInANamedZone() throws {
        let stockholm = try #require(TimeZone(identifier: "Europe/Stockholm"))
        #expect(FHIRDateTime.string(Date(timeIntervalSince1970: 1_773_476_467), in: stockholm).hasSuffix("+01:00"))
        #expect(FHIRDateTime.string(Date(timeIntervalSince1970: 1_783_000_000), in: stockholm).hasSuffix("+02:00"))
    }

    /// Foundation's ISO 8601 formatter as an independent oracle over many whole-second times.
    @Test func agreesWithFoundationsFormatter() {
        var generator = SeededRandom(seed: 5)
        let formatter = ISO8601DateFormatter()
        for _ in 0..<500 {
            let seconds = Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            let offset = Int.random(in: -48...56, using: &generator) * 900
            let zone = TimeZone(secondsFromGMT: offset)!
            formatter.timeZone = zone
            let date = Date(timeIntervalSince1970: seconds)
            #expect(FHIRDateTime.string(date, in: zone) == formatter.string(from: date))
        }
    }
}
