/// The pulse a blood-pressure cuff reported, as its own R4 heart-rate Observation.
///
/// LOINC 8867-4 (with MDC 149546 `MDC_PULS_RATE_NONINV`) in UCUM `/min`. It is a separate
/// resource, not a panel component, as the vital-signs profiles expect; it points back to the
/// panel with `derivedFrom`.
public struct FHIRPulseObservation: Sendable, Equatable {
    public let measurement: FHIRMeasurement

    /// Throws when the pulse is not positive (a decoder fault, not a reading).
    public init(measurement: FHIRMeasurement) throws(FHIRMappingError) {
        guard measurement.reading.pulse > 0 else {
            throw .implausibleReading(field: "pulse", value: measurement.reading.pulse)
        }
        self.measurement = measurement
    }

    /// The idempotency key, derived from the measurement's UUID.
    public var identifier: FHIRIdentifier { measurement.pulseIdentifier }

    /// The standalone Observation: patient, device and panel referenced by identifier.
    public var resource: JSONValue {
        resource(
            FHIRVitalSigns.standalone(measurement),
            derivedFrom: .identifier(type: "Observation", measurement.identifier))
    }

    func resource(_ references: FHIRVitalSigns.References, derivedFrom panel: FHIRReference) -> JSONValue {
        var members = FHIRVitalSigns.observation(
            profile: FHIRSystem.heartRateProfile, identifier: identifier, measurement: measurement,
            references: references)
        members["code"] = FHIRVitalSigns.concept(
            loinc: "8867-4", "Heart rate", mdc: "149546", "MDC_PULS_RATE_NONINV", text: "Pulse rate (from BP cuff)")
        members["derivedFrom"] = [panel.json]
        members["valueQuantity"] = FHIRVitalSigns.quantity(
            measurement.reading.pulse, unit: "beats/minute", code: "/min")
        return .object(members)
    }
}
