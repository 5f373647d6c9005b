import Foundation
import Testing

@testable import VHRCore

@Suite struct FHIRBloodPressureObservationTests {
    @Test func matchesTheVectorFieldByFieldPlusTheVisit() throws {
        let measurement = FHIRVectors.measurement()
        let resource = try FHIRBloodPressureObservation(measurement: measurement).resource
        let vector = FHIRVectors.file("bp-observation.json")
        #expect(FHIRVectors.differences(resource, vector) == ["encounter"])
        #expect(
            resource["encounter"]
                == [
                    "type": "Encounter",
                    "identifier": ["system": .string(FHIRVectors.visitSystem), "value": "V-2026-0314-7"],
                ])
    }

    @Test func theValuesAreTheReadingsInUCUMmmHg() throws {
        let resource = try FHIRBloodPressureObservation(
            measurement: FHIRVectors.measurement(systolic: 171, diastolic: 99)
        ).resource
        let components = try #require(resource["component"]?.arrayValue)
        #expect(components.count == 2)
        #expect(components[0]["code"]?["coding"]?[0]?["code"] == "8480-6")
        #expect(components[0]["valueQuantity"]?["value"] == 171)
        #expect(components[1]["code"]?["coding"]?[0]?["code"] == "8462-4")
        #expect(components[1]["valueQuantity"]?["value"] == 99)
        for component in components {
            #expect(component["valueQuantity"]?["system"] == "http://unitsofmeasure.org")
            #expect(component["valueQuantity"]?["code"] == "mm[Hg]")
        }
        #expect(resource["valueQuantity"] == nil)
    }

    @Test func addsTheMeanPressureOnlyWhenAsked() throws {
        let measurement = FHIRVectors.measurement(mean: 97)
        let plain = try FHIRBloodPressureObservation(measurement: measurement)
        let withMean = try FHIRBloodPressureObservation(measurement: measurement, includesMeanPressure: true)
        #expect(plain.resource["component"]?.arrayValue?.count == 2)
        let mean = try #require(withMean.resource["component"]?[2])
        #expect(
            mean["code"]?["coding"]
                == [
                    ["system": "http://loinc.org", "code": "8478-0", "display": "Mean blood pressure"],
                    [
                        "system": "urn:iso:std:iso:11073:10101", "code": "150023",
                        "display": "MDC_PRESS_BLD_NONINV_MEAN",
                    ],
                ])
        #expect(
            mean["valueQuantity"]
                == ["value": 97, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"])
    }

    @Test(arguments: [(0, 80, 90, "systolic"), (120, -1, 90, "diastolic")])
    func refusesPressuresThatAreNotReadings(systolic: Int, diastolic: Int, mean: Int, field: String) {
        let value = field == "systolic" ? systolic : diastolic
        #expect(throws: FHIRMappingError.implausibleReading(field: field, value: value)) {
            try FHIRBloodPressureObservation(
                measurement: FHIRVectors.measurement(systolic: systolic, diastolic: diastolic, mean: mean))
        }
    }

    @Test func aMissingMeanMattersOnlyWhenItIsSent() throws {
        let measurement = FHIRVectors.measurement(mean: 0)
        _ = try FHIRBloodPressureObservation(measurement: measurement)
        #expect(throws: FHIRMappingError.implausibleReading(field: "mean arterial", value: 0)) {
            try FHIRBloodPressureObservation(measurement: measurement, includesMeanPressure: true)
        }
    }

    @Test func simulatedReadingsAreMarkedAsTestData() throws {
        let real = try FHIRBloodPressureObservation(measurement: FHIRVectors.measurement()).resource
        let test = try FHIRBloodPressureObservation(measurement: FHIRVectors.measurement(isTestData: true)).resource
        #expect(real["meta"]?["security"] == nil)
        #expect(
            test["meta"]
                == [
                    "profile": ["http://hl7.org/fhir/StructureDefinition/bp"],
                    "security": [
                        [
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST",
                            "display": "test health data",
                        ]
                    ],
                ])
    }
}
