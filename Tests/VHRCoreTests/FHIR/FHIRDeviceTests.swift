import Testing

@testable import VHRCore

@Suite struct FHIRDeviceTests {
    @Test func matchesTheDeviceVectorExactly() {
        let vector = FHIRVectors.file("device.json")
        #expect(FHIRVectors.differences(FHIRVectors.device.resource, vector) == [])
        #expect(FHIRVectors.device.resource == vector)
    }

    @Test func leavesOutWhatIsUnknown() throws {
        let info = DeviceInfo(
            id: "cuff", kind: .bloodPressureCuff, profile: "simulated-bp-cuff", model: "Simulated cuff",
            transport: "simulated", simulated: true)
        let identifier = try FHIRIdentifier(system: "http://example.org/fhir/sid/device-serial", value: "SIM-1")
        let resource = FHIRDevice(info: info, identifier: identifier).resource
        #expect(
            Set(resource.objectValue?.keys.map { $0 } ?? [])
                == ["resourceType", "identifier", "status", "deviceName", "type"])
        #expect(resource["deviceName"] == [["name": "Simulated cuff", "type": "model-name"]])
        #expect(resource["identifier"] == [identifier.json])
        #expect(resource["type"]?["coding"]?[0]?["code"] == "528391")
    }
}
