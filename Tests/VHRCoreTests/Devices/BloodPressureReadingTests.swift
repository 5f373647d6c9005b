import Foundation
import Testing
import VHRCore

@Suite struct BloodPressureReadingTests {
    private static let measuredAt = Date(timeIntervalSince1970: 1_800_000_000)

    private static func encoded(_ reading: BloodPressureReading) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(reading), as: UTF8.self)
    }

    private static func decoded(_ text: String) throws -> BloodPressureReading {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(BloodPressureReading.self, from: Data(text.utf8))
    }

    @Test func jsonFromBeforeTheClockAndSourceStillDecodes() throws {
        let old = try Self.decoded(
            #"{"systolic":120,"diastolic":80,"meanArterial":93,"pulse":61,"measuredAt":1800000000}"#)
        #expect(
            old
                == BloodPressureReading(
                    systolic: 120, diastolic: 80, meanArterial: 93, pulse: 61, measuredAt: Self.measuredAt))
        #expect(old.clock == .room && old.source == nil)
        let withClock = try Self.decoded(
            #"{"systolic":120,"diastolic":80,"meanArterial":93,"pulse":61,"measuredAt":1800000000,"clock":"device"}"#)
        #expect(withClock.clock == .device && withClock.source == nil)
    }

    @Test func aReadingWithoutSourceEncodesAsBefore() throws {
        let reading = BloodPressureReading(
            systolic: 120, diastolic: 80, meanArterial: 93, pulse: 61, measuredAt: Self.measuredAt, clock: .device)
        #expect(
            try Self.encoded(reading)
                == #"{"clock":"device","diastolic":80,"meanArterial":93,"measuredAt":1800000000,"pulse":61,"systolic":120}"#
        )
    }

    @Test func theSourceRoundTrips() throws {
        let reading = BloodPressureReading(
            systolic: 120, diastolic: 80, meanArterial: 93, pulse: 61, measuredAt: Self.measuredAt, clock: .device,
            source: DeviceSource(systemID: [0, 0x22, 0x09, 0x22, 0x58, 0x08, 0x03, 0xCC], firmwareVersion: "1.0"))
        let text = try Self.encoded(reading)
        #expect(text.contains(#""source":{"firmwareVersion":"1.0","systemID":"00-22-09-22-58-08-03-CC"}"#))
        #expect(try Self.decoded(text) == reading)
    }
}
