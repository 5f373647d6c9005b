import Testing

@testable import VHRCore

@Suite struct FHIRReferenceTests {
    @Test func eachFormHasItsFHIRShape() throws {
        let patient = try FHIRIdentifier.personnummer("191212121212")
        #expect(
            FHIRReference.identifier(type: "Patient", patient).json
                == [
                    "type": "Patient",
                    "identifier": [
                        "system": "http://electronichealth.se/identifier/personnummer", "value": "191212121212",
                    ],
                ])
        #expect(
            FHIRReference.conditional(type: "Patient", patient).json
                == ["reference": "Patient?identifier=http://electronichealth.se/identifier/personnummer|191212121212"])
        #expect(FHIRReference.literal("urn:uuid:x").json == ["reference": "urn:uuid:x"])
    }
}
