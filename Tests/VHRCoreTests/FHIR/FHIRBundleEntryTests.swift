import Testing

@testable import VHRCore

@Suite struct FHIRBundleEntryTests {
    @Test func isAConditionalCreateOnItsIdentifier() throws {
        let identifier = try FHIRIdentifier(system: "http://example.org/sid", value: "A-1")
        let entry = FHIRBundleEntry(
            fullUrl: "urn:uuid:1", resourceType: "Device", identifier: identifier, resource: ["resourceType": "Device"])
        #expect(
            entry.json
                == [
                    "fullUrl": "urn:uuid:1",
                    "resource": ["resourceType": "Device"],
                    "request": [
                        "method": "POST", "url": "Device", "ifNoneExist": "identifier=http://example.org/sid|A-1",
                    ],
                ])
    }
}
