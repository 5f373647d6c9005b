import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRDerivedIDTests {
    /// Expected values from Python's `uuid.uuid5` with the vectors' measurement UUID as namespace.
    @Test(arguments: [
        ("Observation/8867-4", "da69f522-12e2-55ec-99e2-779213e26c61"),
        ("fullUrl/Device", "6e5cd804-a050-583f-853c-4fcc324c9d41"),
        ("", "3095febe-b1fa-5dbe-a985-50449c940b1c"),
    ])
    func matchesVersion5OfPython(name: String, expected: String) {
        #expect(FHIRDerivedID.uuid(FHIRVectors.measurementID, name) == UUID(uuidString: expected))
    }

    @Test func differentNamesAndBasesGiveDifferentVersion5UUIDs() {
        let other = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
        let derived = [
            FHIRDerivedID.uuid(FHIRVectors.measurementID, "a"), FHIRDerivedID.uuid(FHIRVectors.measurementID, "b"),
            FHIRDerivedID.uuid(other, "a"), FHIRVectors.measurementID,
        ]
        #expect(Set(derived).count == derived.count)
        for uuid in derived.dropLast() {
            #expect(uuid.uuid.6 >> 4 == 5)
            #expect(uuid.uuid.8 >> 6 == 0b10)
        }
    }
}
