import Foundation
import Testing

/// `vhrctl decode`, run as a technician would, on captures from the vector files.
@Suite struct DecodeCommandTests {
    static func vector(_ file: String, _ id: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/bp/\(file)")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let vectors = root?["vectors"] as? [[String: Any]] ?? []
        return try #require(vectors.first { $0["id"] as? String == id }?["hex"] as? String, "no vector \(id)")
    }

    @Test func aMeasurementReportDecodesToItsReadings() async throws {
        let hex = try Self.vector("freescale-phdc-bpm.json", "freescale.bpm.measurement")
        let vhrctl = try RoomProcess.executable("vhrctl")
        let decoded = try await RoomProcess.run(
            vhrctl, ["--json", "decode", "11073"] + hex.split(separator: " ").map(String.init))
        #expect(decoded.status == 0, "\(decoded.stderr)")
        let readings = try #require(decoded.json?["readings"] as? [[String: Any]])
        let pressure = try #require(readings.first { $0["type"] as? String == "bloodPressure" })
        #expect(pressure["systolic"] as? Double == 120 && pressure["diastolic"] as? Double == 80)
        #expect(pressure["meanArterial"] as? Double == 100 && pressure["unit"] as? String == "mmHg")
        #expect(readings.contains { $0["type"] as? String == "pulseRate" && $0["pulse"] as? Double == 60 })
        let human = try await RoomProcess.run(vhrctl, ["decode", "11073", hex])
        #expect(String(decoding: human.stdout, as: UTF8.self).contains("120/80 (mean 100) mmHg"))
    }

    @Test func vendorFramesDecodeAndBadChecksumsAreRejected() async throws {
        let vhrctl = try RoomProcess.executable("vhrctl")
        let pressure = try await RoomProcess.run(vhrctl, ["--json", "decode", "suntech", "3e 05 02 01 ba"])
        #expect(pressure.status == 0, "\(pressure.stderr)")
        let bad = try await RoomProcess.run(vhrctl, ["decode", "suntech", "3e 05 02 01 b1"])
        #expect(bad.status == 1)
        #expect(bad.stderr.lowercased().contains("checksum"))
    }

    @Test func aTruncatedCaptureIsRejectedWithThePlace() async throws {
        let vhrctl = try RoomProcess.executable("vhrctl")
        let rejected = try await RoomProcess.run(vhrctl, ["decode", "11073", "e7 00 00 3e 00"])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("offset 2"))
        let usage = try await RoomProcess.run(vhrctl, ["decode", "11073"])
        #expect(usage.status == 2)
    }
}
