import Foundation
import Testing
import VHRCore

@Suite struct DeviceSourceTests {
    private static let eui: [UInt8] = [0xFE, 0xED, 0xAB, 0xEE, 0xDE, 0xAD, 0x07, 0xC3]

    @Test func theSystemIDIsWrittenAsUpperCaseHexPairsJoinedByHyphens() {
        #expect(DeviceSource.hyphenatedHex(Self.eui) == "FE-ED-AB-EE-DE-AD-07-C3")
        #expect(DeviceSource.hyphenatedHex([]) == "")
        #expect(DeviceSource.parseHyphenatedHex("FE-ED-AB-EE-DE-AD-07-C3") == Self.eui)
        #expect(DeviceSource.parseHyphenatedHex("fe-ed-ab-ee-de-ad-07-c3") == Self.eui)
        #expect(DeviceSource.parseHyphenatedHex("") == [])
        for bad in ["FEED", "FE-ED-", "-FE", "FE--ED", "F-ED", "FE-GG", "FE ED", "+F-ED"] {
            #expect(DeviceSource.parseHyphenatedHex(bad) == nil, "\(bad)")
        }
    }

    @Test func onlyAnEightByteIDThatIsNotAllZerosOrAllOnesNamesADevice() {
        #expect(DeviceSource.isEUI64(Self.eui))
        #expect(!DeviceSource.isEUI64([UInt8](repeating: 0, count: 8)))
        #expect(!DeviceSource.isEUI64([UInt8](repeating: 0xFF, count: 8)))
        #expect(!DeviceSource.isEUI64(Array(Self.eui.prefix(7))))
        #expect(!DeviceSource.isEUI64(Self.eui + [0]))
        #expect(DeviceSource(systemID: Self.eui).eui64 == Self.eui)
        #expect(DeviceSource(systemID: [0, 0, 0, 0, 0, 0, 0, 0]).eui64 == nil)
        #expect(DeviceSource(serialNumber: "S1").eui64 == nil)
    }

    @Test func emptinessMeansTheDeviceToldNothing() {
        #expect(DeviceSource().isEmpty)
        #expect(!DeviceSource(systemID: []).isEmpty)
        #expect(!DeviceSource(modelNumber: "M").isEmpty)
    }

    @Test func jsonRoundTripsWithTheSystemIDAsText() throws {
        let source = DeviceSource(
            systemID: Self.eui, serialNumber: "SN 1", firmwareVersion: "2.4", manufacturer: "Ex", modelNumber: "M7")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(source), as: UTF8.self)
        #expect(
            text == #"{"firmwareVersion":"2.4","manufacturer":"Ex","modelNumber":"M7","serialNumber":"SN 1","#
                + #""systemID":"FE-ED-AB-EE-DE-AD-07-C3"}"#)
        #expect(try JSONDecoder().decode(DeviceSource.self, from: Data(text.utf8)) == source)
        #expect(String(decoding: try encoder.encode(DeviceSource()), as: UTF8.self) == "{}")
        #expect(try JSONDecoder().decode(DeviceSource.self, from: Data("{}".utf8)) == DeviceSource())
    }

    @Test func aSystemIDThatIsNotHexDoesNotDecode() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DeviceSource.self, from: Data(#"{"systemID":"FEED"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DeviceSource.self, from: Data(#"{"systemID":[254,237]}"#.utf8))
        }
    }

    @Test func theSourceNeverEntersTheMeasurementIdentity() {
        let plain = BloodPressureReading(
            systolic: 131, diastolic: 84, meanArterial: 100, pulse: 66, measuredAt: Date(timeIntervalSince1970: 1e9),
            clock: .device)
        var identified = plain
        identified.source = DeviceSource(systemID: Self.eui, serialNumber: "SN-1")
        var swapped = plain
        swapped.source = DeviceSource(systemID: [1, 2, 3, 4, 5, 6, 7, 8])
        let identity = { (reading: BloodPressureReading) in
            MeasurementIdentity.bloodPressure(
                reading, device: .room(profile: "ieee11073-bp-cuff", name: "cuff"), patient: "191212121212",
                timestamp: .device(reading.measuredAt)
            ).uuid
        }
        #expect(identity(identified) == identity(plain))
        #expect(identity(swapped) == identity(plain))
    }
}
