/// The parts every vital-signs Observation shares (R4 `vitalsigns` profile), so the panel and
/// the pulse cannot drift apart.
enum FHIRVitalSigns {
    /// How the Observation points at the patient, the device and related Observations.
    struct References {
        var subject: FHIRReference
        var device: FHIRReference
    }

    /// The standalone form: every reference is logical, by identifier.
    static func standalone(_ measurement: FHIRMeasurement) -> References {
        References(
            subject: .identifier(type: "Patient", measurement.patient),
            device: .identifier(type: "Device", measurement.device.identifier))
    }

    /// An Observation with the members every vital sign has; the caller adds code and values.
    static func observation(
        profile: String, identifier: FHIRIdentifier, measurement: FHIRMeasurement, references: References
    ) -> [String: JSONValue] {
        var meta: [String: JSONValue] = ["profile": [.string(profile)]]
        if measurement.isTestData {
            meta["security"] = [
                ["system": .string(FHIRSystem.actReason), "code": "HTEST", "display": "test health data"]
            ]
        }
        return [
            "resourceType": "Observation",
            "meta": .object(meta),
            "identifier": [identifier.json],
            "status": "final",
            "category": [
                [
                    "coding": [
                        [
                            "system": .string(FHIRSystem.observationCategory), "code": "vital-signs",
                            "display": "Vital Signs",
                        ]
                    ],
                    "text": "Vital Signs",
                ]
            ],
            "subject": references.subject.json,
            // The visit is a logical reference: the server need not know the room's visits, and
            // a reference it cannot resolve must not fail the transaction.
            "encounter": FHIRReference.identifier(type: "Encounter", measurement.visit).json,
            "effectiveDateTime": .string(FHIRDateTime.string(measurement.reading.measuredAt, in: measurement.timeZone)),
            "issued": .string(FHIRDateTime.string(measurement.recordedAt, in: measurement.timeZone)),
            "device": references.device.json,
        ]
    }

    /// A concept with a LOINC coding and its IEEE 11073 MDC coding.
    static func concept(loinc: String, _ loincDisplay: String, mdc: String, _ mdcDisplay: String, text: String)
        -> JSONValue
    {
        [
            "coding": [
                ["system": .string(FHIRSystem.loinc), "code": .string(loinc), "display": .string(loincDisplay)],
                ["system": .string(FHIRSystem.mdc), "code": .string(mdc), "display": .string(mdcDisplay)],
            ],
            "text": .string(text),
        ]
    }

    /// A UCUM quantity: `code` is the UCUM code, `unit` the human text.
    static func quantity(_ value: Int, unit: String, code: String) -> JSONValue {
        ["value": .int(Int64(value)), "unit": .string(unit), "system": .string(FHIRSystem.ucum), "code": .string(code)]
    }
}
