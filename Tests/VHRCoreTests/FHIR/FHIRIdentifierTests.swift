import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRIdentifierTests {
    @Test func measurementIdentifierIsLowercaseURNUUIDUnderRFC3986() {
        let identifier = FHIRIdentifier.uuid(UUID(uuidString: "6F1C2A9E-3B7D-4E52-9A41-0C8D7E5B2F10")!)
        #expect(identifier.system == "urn:ietf:rfc:3986")
        #expect(identifier.value == "urn:uuid:6f1c2a9e-3b7d-4e52-9a41-0c8d7e5b2f10")
        #expect(identifier.ifNoneExist == "identifier=urn:ietf:rfc:3986|urn:uuid:6f1c2a9e-3b7d-4e52-9a41-0c8d7e5b2f10")
        #expect(
            identifier.json == [
                "system": "urn:ietf:rfc:3986", "value": "urn:uuid:6f1c2a9e-3b7d-4e52-9a41-0c8d7e5b2f10",
            ])
    }

    @Test func personnummerUsesTheSwedishSystem() throws {
        let identifier = try FHIRIdentifier.personnummer("191212121212")
        #expect(identifier.system == "http://electronichealth.se/identifier/personnummer")
        #expect(identifier.searchToken == "http://electronichealth.se/identifier/personnummer|191212121212")
    }

    @Test(arguments: [
        "", "a|b", "a,b", "a$b", "a\\b", "a&b", "a#b", "a%20", "a+b", "a?b", "a=b", "a b", "a\tb", "a\u{7F}",
    ])
    func refusesValuesThatSearchSyntaxWouldRead(value: String) {
        #expect(throws: FHIRMappingError.unsafeIdentifier(field: "patient")) {
            try FHIRIdentifier.personnummer(value)
        }
        #expect(throws: FHIRMappingError.unsafeIdentifier(field: "visit")) {
            try FHIRIdentifier(system: value, value: "ok", field: "visit")
        }
    }

    @Test func errorsSayWhatToDo() {
        let text = FHIRMappingError.unsafeIdentifier(field: "visit").description
        #expect(text.contains("visit") && text.contains("fix it"))
        #expect(FHIRMappingError.implausibleReading(field: "pulse", value: 0).description.contains("pulse is 0"))
    }
}
