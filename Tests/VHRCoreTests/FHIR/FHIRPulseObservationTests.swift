import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRPulseObservationTests {
    @Test func matchesTheVectorFieldByFieldPlusVisitAndPanel() throws {
        let measurement = FHIRVectors.measurement()
        let resource = try FHIRPulseObservation(measurement: measurement).resource
        let vector = FHIRVectors.file("heartrate-observation.json")
        // The vector's pulse identifier is invented; ours is derived from the measurement's UUID.
        #expect(FHIRVectors.differences(resource, vector) == ["encounter", "derivedFrom", "identifier"])
        #expect(resource["identifier"] == [measurement.pulseIdentifier.json])
        #expect(resource["derivedFrom"] == [["type": "Observation", "identifier": measurement.identifier.json]])
        #expect(resource["encounter"]?["identifier"] == measurement.visit.json)
    }

    @Test func theValueIsThePulseInPerMinute() throws {
        let resource = try FHIRPulseObservation(measurement: FHIRVectors.measurement(pulse: 123)).resource
        #expect(
            resource["valueQuantity"]
                == ["value": 123, "unit": "beats/minute", "system": "http://unitsofmeasure.org", "code": "/min"])
        #expect(
            resource["code"]?["coding"]?[0] == [
                "system": "http://loinc.org", "code": "8867-4", "display": "Heart rate",
            ])
        #expect(resource["component"] == nil)
    }

    @Test func refusesAPulseThatIsNotAReading() {
        #expect(throws: FHIRMappingError.implausibleReading(field: "pulse", value: 0)) {
            try FHIRPulseObservation(measurement: FHIRVectors.measurement(pulse: 0))
        }
    }
}
