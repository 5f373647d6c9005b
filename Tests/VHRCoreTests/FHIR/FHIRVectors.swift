import Foundation

@testable import VHRCore

/// The FHIR research vectors copied into `Tests/Fixtures/fhir/`, and the measurement they
/// describe, so the mapping can be compared with them field by field.
enum FHIRVectors {
    static func file(_ name: String) -> JSONValue {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fhir/\(name)")
        // A missing or broken fixture must fail loudly, not compare against nothing.
        let text = try! String(contentsOf: url, encoding: .utf8)
        return try! JSONValue(parsing: text)
    }

    static let measurementID = UUID(uuidString: "6f1c2a9e-3b7d-4e52-9a41-0c8d7e5b2f10")!
    static let visitSystem = "http://example.org/fhir/sid/visit"
    static let plusOneHour = TimeZone(secondsFromGMT: 3600)!

    static var device: FHIRDevice {
        FHIRDevice(
            identifier: try! FHIRIdentifier(
                system: "http://example.org/fhir/sid/device-serial", value: "BPM-SN-20250417-0042"),
            manufacturer: "ExampleMed AB", modelName: "ExampleMed BP-100", modelNumber: "BP-100",
            serialNumber: "BPM-SN-20250417-0042", firmwareVersion: "2.4.1")
    }

    /// 2026-03-14T09:21:07+01:00.
    static let measuredAt = Date(timeIntervalSince1970: 1_773_476_467)

    /// The vectors' measurement: 128/82 mmHg, pulse 71, patient 191212121212.
    static func measurement(
        id: UUID = measurementID, systolic: Int = 128, diastolic: Int = 82, mean: Int = 97, pulse: Int = 71,
        isTestData: Bool = false
    ) -> FHIRMeasurement {
        FHIRMeasurement(
            id: id, patient: try! .personnummer("191212121212"),
            visit: try! FHIRIdentifier(system: visitSystem, value: "V-2026-0314-7"), device: device,
            reading: BloodPressureReading(
                systolic: systolic, diastolic: diastolic, meanArterial: mean, pulse: pulse, measuredAt: measuredAt),
            recordedAt: measuredAt.addingTimeInterval(2.412), timeZone: plusOneHour, isTestData: isTestData)
    }

    /// The members of `generated` that differ from `vector`, or that only one of them has.
    static func differences(_ generated: JSONValue, _ vector: JSONValue) -> Set<String> {
        let mine = generated.objectValue ?? [:]
        let theirs = vector.objectValue ?? [:]
        return Set(mine.keys).union(theirs.keys).filter { mine[$0] != theirs[$0] }
    }

    /// Every `reference` string anywhere in `value`.
    static func references(in value: JSONValue) -> [String] {
        switch value {
        case .object(let members):
            (members["reference"]?.stringValue.map { [$0] } ?? [])
                + members.sorted { $0.key < $1.key }.flatMap { $0.key == "reference" ? [] : references(in: $0.value) }
        case .array(let elements): elements.flatMap(references(in:))
        default: []
        }
    }
}
