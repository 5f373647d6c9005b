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

    // MARK: - The physical device

    private static let eui: [UInt8] = [0xFE, 0xED, 0xAB, 0xEE, 0xDE, 0xAD, 0x07, 0xC3]
    private static let roomThree = UploadMapping(
        target: target, roomName: "room-3", timeZone: TimeZone(secondsFromGMT: 3600)!)

    /// A record dated by the device's clock, as the golden Bundles were made from.
    private static func deviceClockRecord(source: DeviceSource? = nil) -> MeasurementRecord {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000.125)
        return MeasurementRecord(
            id: UUID(uuidString: "6f1c2b7e-0000-4000-8000-000000000001")!, visitID: "visit-9", deviceID: "cuff",
            profile: "omron-hem-9200t",
            reading: BloodPressureReading(
                systolic: 128, diastolic: 82, meanArterial: 97, pulse: 66, measuredAt: t0, clock: .device,
                source: source),
            recordedAt: t0.addingTimeInterval(3))
    }

    private static let facts = DeviceFacts(
        manufacturer: "Omron", modelName: "HEM-9200T", modelNumber: "M1", serialNumber: "S1", firmwareVersion: "1.2",
        isSimulated: false)

    private static func golden(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/identity/\(name).json")
        return try Data(contentsOf: url)
    }

    /// The Bundles were written by the mapping before the source existed; a row without one
    /// (every row stored before) must still send exactly those bytes.
    @Test func aRecordWithoutSourceSendsTheSameBytesAsBefore() throws {
        let record = Self.deviceClockRecord()
        #expect(
            try Self.roomThree.bundle(record: record, patientID: "191212121212", device: Self.facts).body
                == (try Self.golden("bundle-without-source-with-facts")))
        #expect(
            try Self.roomThree.bundle(record: record, patientID: "191212121212", device: nil).body
                == (try Self.golden("bundle-without-source-unknown-device")))
        // A source that says nothing, or a system id that names no device, changes nothing either.
        for source in [DeviceSource(), DeviceSource(systemID: [0, 0, 0, 0, 0, 0, 0, 0])] {
            #expect(
                try Self.roomThree.bundle(
                    record: Self.deviceClockRecord(source: source), patientID: "191212121212", device: nil
                ).body == (try Self.golden("bundle-without-source-unknown-device")))
        }
    }

    @Test func aKnownSystemIDMakesTheDeviceThePhysicalMonitor() throws {
        let record = Self.deviceClockRecord(source: DeviceSource(systemID: Self.eui, serialNumber: "UNIT-7"))
        let bundle = try Self.roomThree.bundle(record: record, patientID: "191212121212", device: Self.facts)
        let device = bundle.measurement.device
        let sysid = try FHIRDevice.systemIDIdentifier(Self.eui)
        #expect(device.identifier == sysid)
        #expect(device.otherIdentifiers == [try FHIRIdentifier(system: "urn:vhr:device", value: "room-3/cuff")])
        // The unit's serial, not the configured one; its firmware is unknown, so none is sent.
        #expect(device.serialNumber == "UNIT-7" && device.firmwareVersion == nil)
        #expect(device.manufacturer == "Omron" && device.modelNumber == "M1" && device.modelName == "HEM-9200T")
        let entry = try #require(bundle.json["entry"]?[0])
        #expect(entry["request"]?["ifNoneExist"] == .string(sysid.ifNoneExist))
        #expect(entry["resource"]?["identifier"]?[0]?["type"]?["coding"]?[0]?["code"] == "SYSID")
        #expect(entry["resource"]?["identifier"]?[1] == ["system": "urn:vhr:device", "value": "room-3/cuff"])
        #expect(entry["resource"]?["serialNumber"] == "UNIT-7")
        // The Observations are the same measurement whoever's Device it is.
        let plain = try Self.roomThree.bundle(
            record: Self.deviceClockRecord(), patientID: "191212121212", device: Self.facts)
        #expect(bundle.entries.dropFirst().map(\.json) == plain.entries.dropFirst().map(\.json))
    }

    @Test func aSwappedMonitorIsAnotherDeviceInTheSameSlot() throws {
        let before = Self.deviceClockRecord(source: DeviceSource(systemID: Self.eui))
        let after = Self.deviceClockRecord(
            source: DeviceSource(systemID: [0x00, 0x22, 0x09, 0x22, 0x58, 0x08, 0x03, 0xCC]))
        let first = try Self.roomThree.measurement(record: before, patientID: "p1", device: Self.facts).device
        let second = try Self.roomThree.measurement(record: after, patientID: "p1", device: Self.facts).device
        #expect(first.identifier != second.identifier)
        #expect(second.identifier.value == "00-22-09-22-58-08-03-CC")
        #expect(first.otherIdentifiers == second.otherIdentifiers)
    }

    @Test func theStoredSourceIsUsedEvenWhenTheDeviceIsNoLongerConfigured() throws {
        let record = Self.deviceClockRecord(source: DeviceSource(systemID: Self.eui, firmwareVersion: "3.1"))
        let device = try Self.roomThree.measurement(record: record, patientID: "p1", device: nil).device
        #expect(device.identifier == (try FHIRDevice.systemIDIdentifier(Self.eui)))
        #expect(device.firmwareVersion == "3.1" && device.modelName == "omron-hem-9200t")
    }
}
