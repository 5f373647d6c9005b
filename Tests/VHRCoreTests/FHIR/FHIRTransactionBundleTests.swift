import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRTransactionBundleTests {
    @Test func matchesTheVectorFieldByField() throws {
        let bundle = try FHIRTransactionBundle(measurement: FHIRVectors.measurement())
        let json = bundle.json
        let vector = FHIRVectors.file("bp-transaction-bundle.json")
        #expect(FHIRVectors.differences(json, vector) == ["entry"])
        #expect(json["type"] == "transaction")
        let entries = try #require(json["entry"]?.arrayValue)
        let expected = try #require(vector["entry"]?.arrayValue)
        try #require(entries.count == 3 && expected.count == 3)

        // The Device: identical, and created on its serial identifier.
        #expect(entries[0]["resource"] == expected[0]["resource"])
        #expect(entries[0]["request"] == expected[0]["request"])

        // The panel: the same identifier and request; the device placeholder is ours.
        #expect(FHIRVectors.differences(entries[1]["resource"]!, expected[1]["resource"]!) == ["device", "encounter"])
        #expect(entries[1]["request"] == expected[1]["request"])
        #expect(entries[1]["resource"]?["device"] == ["reference": entries[0]["fullUrl"]!])

        // The pulse: its identifier is derived, so only the request's shape matches the vector.
        #expect(
            FHIRVectors.differences(entries[2]["resource"]!, expected[2]["resource"]!)
                == ["device", "encounter", "identifier", "derivedFrom"])
        #expect(entries[2]["resource"]?["derivedFrom"] == [["reference": entries[1]["fullUrl"]!]])
        #expect(entries[2]["request"]?["method"] == "POST" && entries[2]["request"]?["url"] == "Observation")

        // The patient is the conditional reference the server resolves.
        for index in 1...2 {
            #expect(entries[index]["resource"]?["subject"] == expected[index]["resource"]?["subject"])
        }
    }

    @Test func everyEntryIsAConditionalCreateOnItsOwnIdentifier() throws {
        let json = try FHIRTransactionBundle(measurement: FHIRVectors.measurement()).json
        let entries = try #require(json["entry"]?.arrayValue)
        for entry in entries {
            let identifiers = try #require(entry["resource"]?["identifier"]?.arrayValue)
            try #require(identifiers.count == 1)
            let system = try #require(identifiers[0]["system"]?.stringValue)
            let value = try #require(identifiers[0]["value"]?.stringValue)
            #expect(entry["request"]?["method"] == "POST")
            #expect(entry["request"]?["url"] == entry["resource"]?["resourceType"])
            #expect(entry["request"]?["ifNoneExist"]?.stringValue == "identifier=\(system)|\(value)")
        }
        let keys = entries.compactMap { $0["request"]?["ifNoneExist"]?.stringValue }
        #expect(Set(keys).count == entries.count)
    }

    @Test func everyPlaceholderReferenceResolvesInsideTheBundle() throws {
        let bundle = try FHIRTransactionBundle(measurement: FHIRVectors.measurement())
        let fullUrls = bundle.entries.map(\.fullUrl)
        #expect(Set(fullUrls).count == fullUrls.count)
        #expect(fullUrls.allSatisfy { $0.hasPrefix("urn:uuid:") && UUID(uuidString: String($0.dropFirst(9))) != nil })
        // Placeholders are never the identifier, so a server cannot confuse the two.
        #expect(!fullUrls.contains(bundle.measurement.identifier.value))
        let references = FHIRVectors.references(in: bundle.json)
        #expect(references.count == 5)
        for reference in references {
            if reference.hasPrefix("urn:") {
                #expect(fullUrls.contains(reference), "\(reference) is not an entry of the bundle")
            } else {
                #expect(reference.hasPrefix("Patient?identifier=http://electronichealth.se/identifier/personnummer|"))
            }
        }
    }

    @Test func theSameMeasurementAlwaysGivesTheSameBytes() throws {
        let first = try FHIRTransactionBundle(measurement: FHIRVectors.measurement()).body
        let second = try FHIRTransactionBundle(measurement: FHIRVectors.measurement()).body
        #expect(first == second)
        #expect(!first.contains(UInt8(ascii: "\n")))
        let text = try #require(String(data: first, encoding: .utf8))
        #expect(
            try JSONValue(parsing: text) == (try FHIRTransactionBundle(measurement: FHIRVectors.measurement()).json))
        #expect(try JSONSerialization.jsonObject(with: first) is [String: Any])
    }

    @Test func anotherMeasurementChangesEveryKeyButTheDevices() throws {
        let one = try FHIRTransactionBundle(measurement: FHIRVectors.measurement())
        let two = try FHIRTransactionBundle(measurement: FHIRVectors.measurement(id: UUID()))
        #expect(one.body != two.body)
        #expect(Set(one.entries.map(\.fullUrl)).isDisjoint(with: two.entries.map(\.fullUrl)))
        #expect(one.entries[0].identifier == two.entries[0].identifier)
        #expect(one.entries[1].identifier != two.entries[1].identifier)
        #expect(one.entries[2].identifier != two.entries[2].identifier)
    }

    @Test func anImplausibleReadingIsRefusedBeforeAnythingIsBuilt() {
        #expect(throws: FHIRMappingError.implausibleReading(field: "pulse", value: -4)) {
            try FHIRTransactionBundle(measurement: FHIRVectors.measurement(pulse: -4))
        }
        #expect(throws: FHIRMappingError.implausibleReading(field: "mean arterial", value: 0)) {
            try FHIRTransactionBundle(measurement: FHIRVectors.measurement(mean: 0), includesMeanPressure: true)
        }
    }

    /// The rules of the research's `check_vitals_profile.py` (vs-1/2/3, codes, UCUM, one
    /// identifier) on every Observation of a generated bundle, including the mean component.
    @Test(arguments: [false, true])
    func vitalSignsProfileRulesHold(includesMeanPressure: Bool) throws {
        let bundle = try FHIRTransactionBundle(
            measurement: FHIRVectors.measurement(isTestData: true), includesMeanPressure: includesMeanPressure)
        let observations = bundle.entries.map(\.resource).filter { $0["resourceType"] == "Observation" }
        #expect(observations.count == 2)
        for observation in observations {
            #expect(
                ["registered", "preliminary", "final", "amended"].contains(observation["status"]?.stringValue ?? ""))
            #expect(
                observation["category"]?[0]?["coding"]?[0]
                    == [
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs",
                        "display": "Vital Signs",
                    ])
            #expect(observation["subject"] != nil)
            #expect((observation["effectiveDateTime"]?.stringValue?.count ?? 0) >= 10)
            let components = observation["component"]?.arrayValue ?? []
            #expect(!components.isEmpty || observation["valueQuantity"] != nil)
            let quantities =
                components.compactMap { $0["valueQuantity"] } + [observation["valueQuantity"]].compactMap { $0 }
            #expect(quantities.count == components.count + (observation["valueQuantity"] == nil ? 0 : 1))
            for quantity in quantities {
                #expect(quantity["value"]?.intValue != nil && quantity["unit"]?.stringValue != nil)
                #expect(quantity["system"] == "http://unitsofmeasure.org" && quantity["code"]?.stringValue != nil)
            }
            #expect(observation["identifier"]?.arrayValue?.count == 1)
        }
        let panelCodes = observations[0]["component"]?.arrayValue?.compactMap { $0["code"]?["coding"]?[0]?["code"] }
        #expect(panelCodes == (includesMeanPressure ? ["8480-6", "8462-4", "8478-0"] : ["8480-6", "8462-4"]))
        #expect(observations[0]["code"]?["coding"]?[0]?["code"] == "85354-9")
        #expect(observations[1]["code"]?["coding"]?[0]?["code"] == "8867-4")
        let panelUnits = observations[0]["component"]?.arrayValue?.compactMap { $0["valueQuantity"]?["code"] }
        #expect(panelUnits == Array(repeating: "mm[Hg]", count: includesMeanPressure ? 3 : 2))
        #expect(observations[1]["valueQuantity"]?["code"] == "/min")
    }
}
