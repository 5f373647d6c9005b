import Testing

@testable import VHRCore

@Suite struct SunTechCaptureTests {
    @Test func decodesAHostCommand() throws {
        let capture = try SunTechCapture(bytes: [0x3A, 0x79, 0x05, 0x00, 0x48])
        #expect(capture.frames == [.command(.getCuffPressure, bytes: [0x3A, 0x79, 0x05, 0x00, 0x48])])
        #expect(capture.json["frames"]?[0]?["command"] == "getCuffPressure")
        #expect(capture.lines == ["host → module  3A 79 05 00 48  get cuff pressure"])
    }

    @Test func decodesModuleFramesBackToBack() throws {
        let bytes = VendorVectors.bytes(
            "3e 05 02 01 ba 3e 04 4b 73 3e 18 73 00 4a 00 1e 01 00 00 00 00 00 00 31 07 55 00 58 00 00 00 00 e9")
        let capture = try SunTechCapture(bytes: bytes)
        #expect(capture.frames.count == 3)
        let json = capture.json
        #expect(json["protocol"] == "suntech")
        #expect(json["frames"]?[0]?["cuffPressure"] == 258)
        #expect(json["frames"]?[1]?["letter"] == "K")
        #expect(json["frames"]?[2]?["systolic"] == 115)
        #expect(json["frames"]?[2]?["diastolic"] == 74)
        #expect(json["frames"]?[2]?["meanArterial"] == 88)
        #expect(json["frames"]?[2]?["heartRate"] == 85)
        #expect(json["frames"]?[2]?["error"] == nil)
        #expect(capture.lines.contains { $0.contains("systolic 115 / diastolic 74 mmHg") })
    }

    @Test func reportsAFailedMeasurement() throws {
        var payload = [UInt8](repeating: 0, count: 21)
        payload[18] = 89
        let capture = try SunTechCapture(bytes: try SunTechFrame(payload: payload).bytes)
        #expect(capture.json["frames"]?[0]?["errorCode"] == 89)
        #expect(capture.json["frames"]?[0]?["error"]?.stringValue?.contains("overpressure") == true)
    }

    @Test func namesTheFrameThatFailed() {
        let bytes: [UInt8] = [0x3E, 0x04, 0x4B, 0x73, 0x3E, 0x05, 0x02, 0x01, 0xB1]
        #expect(throws: SunTechCaptureError(frameIndex: 1, offset: 4, error: .badChecksum(expected: 0xBA, found: 0xB1)))
        {
            try SunTechCapture(bytes: bytes)
        }
        let error = SunTechCaptureError(frameIndex: 1, offset: 4, error: .badChecksum(expected: 0xBA, found: 0xB1))
        #expect(error.description.hasPrefix("frame 2 at byte 4: checksum mismatch: expected BA, found B1"))
    }

    @Test func rejectsCutAndEmptyCaptures() {
        #expect(throws: SunTechCaptureError(frameIndex: 0, offset: 0, error: .tooShort(0))) {
            try SunTechCapture(bytes: [])
        }
        #expect(throws: SunTechCaptureError(frameIndex: 1, offset: 4, error: .lengthMismatch(declared: 24, actual: 3)))
        {
            try SunTechCapture(bytes: [0x3E, 0x04, 0x4B, 0x73, 0x3E, 0x18, 0x73])
        }
        #expect(throws: SunTechCaptureError(frameIndex: 0, offset: 0, error: .badStartByte(0x00))) {
            try SunTechCapture(bytes: [0x00, 0x3E])
        }
    }
}
