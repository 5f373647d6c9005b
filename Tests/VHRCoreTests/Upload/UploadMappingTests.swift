import Foundation
import Testing
import VHRCore

@Suite struct UploadMappingTests {
    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    private static let target = UploadTarget(url: "https://fhir.example/r4")
    private static let record = MeasurementRecord(
        id: UUID(uuidString: "6f1c2b7e-0000-4000-8000-000000000001")!, visitID: "visit-9", deviceID: "cuff",
        profile: "omron-hem-9200t",
        reading: BloodPressureReading(systolic: 128, diastolic: 82, meanArterial: 97, pulse: 66, measuredAt: t0),
        recordedAt: t0.addingTimeInterval(3))

    @Test func mapsTheRecordWithTheConfiguredSystems() throws {
        let mapping = UploadMapping(target: Self.target, roomName: "room-3")
        let facts = DeviceFacts(manufacturer: "Omron", modelName: "HEM-9200T", serialNumber: "S1", isSimulated: false)
        let measurement = try mapping.measurement(record: Self.record, patientID: "191212121212", device: facts)
        #expect(measurement.id == Self.record.id)
        #expect(measurement.patient == (try FHIRIdentifier.personnummer("191212121212")))
        #expect(measurement.visit == (try FHIRIdentifier(system: "urn:vhr:visit", value: "visit-9")))
        #expect(measurement.device.identifier == (try FHIRIdentifier(system: "urn:vhr:device", value: "room-3/cuff")))
        #expect(measurement.device.manufacturer == "Omron" && measurement.device.serialNumber == "S1")
        #expect(measurement.device.modelName == "HEM-9200T")
        #expect(measurement.isTestData == false)
        #expect(measurement.reading == Self.record.reading && measurement.recordedAt == Self.record.recordedAt)
        let bundle = try mapping.bundle(record: Self.record, patientID: "191212121212", device: facts)
        #expect(bundle.body == (try FHIRTransactionBundle(measurement: measurement)).body)
    }

    @Test func simulatedDevicesAreTestDataAndAnUnknownDeviceIsNamedByItsProfile() throws {
        let mapping = UploadMapping(target: Self.target, roomName: "room")
        let simulated = DeviceFacts(
            info: DeviceInfo(
                id: "cuff", kind: .bloodPressureCuff, profile: "simulated-bp-cuff", model: "Simulated cuff",
                transport: "simulated", simulated: true))
        #expect(try mapping.measurement(record: Self.record, patientID: "p1", device: simulated).isTestData)
        #expect(simulated.modelName == "Simulated cuff")
        let unknown = try mapping.measurement(record: Self.record, patientID: "p1", device: nil)
        #expect(unknown.device.modelName == "omron-hem-9200t" && !unknown.isTestData)
    }

    @Test func roomAndDeviceNamesAreMadeSearchSafe() throws {
        #expect(UploadMapping.searchSafe("Room 7, north|wing") == "Room_7__north_wing")
        #expect(UploadMapping.searchSafe("a=b&c?d#e%f+g$h\\i\tj") == "a_b_c_d_e_f_g_h_i_j")
        #expect(UploadMapping.searchSafe("vårdcentral/rum-2") == "vårdcentral/rum-2")
        let mapping = UploadMapping(target: Self.target, roomName: "Room 7")
        #expect(try mapping.deviceIdentifier(deviceID: "cuff #2").value == "Room_7/cuff__2")
    }

    @Test func anIdentifierThatIsNotSearchSafeIsAMappingError() {
        let mapping = UploadMapping(target: Self.target, roomName: "room")
        #expect(throws: FHIRMappingError.unsafeIdentifier(field: "patient")) {
            try mapping.bundle(record: Self.record, patientID: "1912 1212", device: nil)
        }
        var record = Self.record
        record.visitID = "visit=9"
        #expect(throws: FHIRMappingError.unsafeIdentifier(field: "visit")) {
            try mapping.bundle(record: record, patientID: "p1", device: nil)
        }
        record = Self.record
        record.reading.systolic = 0
        #expect(throws: FHIRMappingError.self) {
            try mapping.bundle(record: record, patientID: "p1", device: nil)
        }
    }
}
