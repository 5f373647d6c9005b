import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRMeasurementTests {
    @Test func takesTheStoredRecordsFields() throws {
        let reading = BloodPressureReading(
            systolic: 131, diastolic: 84, meanArterial: 99, pulse: 66, measuredAt: FHIRVectors.measuredAt)
        let record = MeasurementRecord(
            id: FHIRVectors.measurementID, visitID: "V-9", deviceID: "cuff", profile: "simulated-bp-cuff",
            reading: reading, recordedAt: FHIRVectors.measuredAt.addingTimeInterval(3))
        let patient = try FHIRIdentifier.personnummer("191212121212")
        let measurement = try FHIRMeasurement(
            record: record, patient: patient, visitSystem: FHIRVectors.visitSystem, device: FHIRVectors.device)
        #expect(measurement.id == record.id)
        #expect(measurement.visit == (try FHIRIdentifier(system: FHIRVectors.visitSystem, value: "V-9")))
        #expect(measurement.reading == reading)
        #expect(measurement.recordedAt == record.recordedAt)
        #expect(measurement.patient == patient)
        #expect(measurement.timeZone.secondsFromGMT(for: record.recordedAt) == 0)
        #expect(!measurement.isTestData)
    }

    @Test func refusesAVisitSystemThatSearchWouldMisread() throws {
        let record = MeasurementRecord(
            id: UUID(), visitID: "V-9", deviceID: "cuff", profile: "p",
            reading: BloodPressureReading(systolic: 1, diastolic: 1, meanArterial: 1, pulse: 1, measuredAt: Date()),
            recordedAt: Date())
        #expect(throws: FHIRMappingError.unsafeIdentifier(field: "visit")) {
            try FHIRMeasurement(
                record: record, patient: try .personnummer("191212121212"), visitSystem: "http://x|y",
                device: FHIRVectors.device)
        }
    }

    @Test func thePulseHasItsOwnStableIdentifier() {
        let measurement = FHIRVectors.measurement()
        #expect(measurement.identifier == .uuid(FHIRVectors.measurementID))
        #expect(measurement.pulseIdentifier == .uuid(UUID(uuidString: "da69f522-12e2-55ec-99e2-779213e26c61")!))
        #expect(FHIRVectors.measurement(id: UUID()).pulseIdentifier != measurement.pulseIdentifier)
    }
}
