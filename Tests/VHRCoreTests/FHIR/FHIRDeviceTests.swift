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

    @Test func theSystemIDIdentifierIsTheIGsSysIDSlice() throws {
        let identifier = try FHIRDevice.systemIDIdentifier([0xFE, 0xED, 0xAB, 0xEE, 0xDE, 0xAD, 0x07, 0xC3])
        #expect(identifier.system == "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680")
        #expect(identifier.value == "FE-ED-AB-EE-DE-AD-07-C3")
        #expect(
            identifier.ifNoneExist == "identifier=urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|FE-ED-AB-EE-DE-AD-07-C3")
        #expect(throws: FHIRMappingError.unsafeIdentifier(field: "device system id")) {
            try FHIRDevice.systemIDIdentifier([])
        }
        let room = try FHIRIdentifier(system: "urn:vhr:device", value: "room-3/cuff")
        let resource = FHIRDevice(identifier: identifier, otherIdentifiers: [room], modelName: "BP").resource
        #expect(
            resource["identifier"] == [
                [
                    "type": [
                        "coding": [
                            [
                                "system": "http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers",
                                "code": "SYSID", "display": "IEEE 11073 System Identifier",
                            ]
                        ]
                    ],
                    "system": "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680", "value": "FE-ED-AB-EE-DE-AD-07-C3",
                ],
                ["system": "urn:vhr:device", "value": "room-3/cuff"],
            ])
    }

    @Test func otherIdentifiersFollowTheMatchedOneInOrder() throws {
        let first = try FHIRIdentifier(system: "urn:a", value: "1")
        let second = try FHIRIdentifier(system: "urn:b", value: "2")
        let third = try FHIRIdentifier(system: "urn:c", value: "3")
        let resource = FHIRDevice(identifier: first, otherIdentifiers: [second, third], modelName: "BP").resource
        #expect(resource["identifier"] == [first.json, second.json, third.json])
    }
}
