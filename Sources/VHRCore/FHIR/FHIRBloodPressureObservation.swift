/// A blood-pressure measurement as the R4 vital-signs blood-pressure panel.
///
/// LOINC 85354-9 (with MDC 150020 `MDC_PRESS_BLD_NONINV`) and no value of its own; systolic
/// 8480-6 and diastolic 8462-4 are components in UCUM `mm[Hg]`, each with its MDC coding. The
/// mean arterial pressure (8478-0, MDC 150023) is optional: the profile has no slice for it,
/// and the research leaves it to the backend, so it is sent only when asked for.
public struct FHIRBloodPressureObservation: Sendable, Equatable {
    public let measurement: FHIRMeasurement
    public let includesMeanPressure: Bool

    /// Throws when a pressure is not positive (a decoder fault, not a reading).
    public init(measurement: FHIRMeasurement, includesMeanPressure: Bool = false) throws(FHIRMappingError) {
        let reading = measurement.reading
        var checked = [("systolic", reading.systolic), ("diastolic", reading.diastolic)]
        if includesMeanPressure { checked.append(("mean arterial", reading.meanArterial)) }
        for (field, value) in checked where value <= 0 {
            throw .implausibleReading(field: field, value: value)
        }
        self.measurement = measurement
        self.includesMeanPressure = includesMeanPressure
    }

    /// The idempotency key: the measurement's `urn:uuid:`.
    public var identifier: FHIRIdentifier { measurement.identifier }

    /// The standalone Observation, with the patient and device referenced by identifier.
    public var resource: JSONValue { resource(FHIRVitalSigns.standalone(measurement)) }

    func resource(_ references: FHIRVitalSigns.References) -> JSONValue {
        let reading = measurement.reading
        var members = FHIRVitalSigns.observation(
            profile: FHIRSystem.bloodPressureProfile, identifier: identifier, measurement: measurement,
            references: references)
        members["code"] = FHIRVitalSigns.concept(
            loinc: "85354-9", "Blood pressure panel with all children optional", mdc: "150020", "MDC_PRESS_BLD_NONINV",
            text: "Blood pressure systolic and diastolic")
        var components: [JSONValue] = [
            Self.component(
                loinc: "8480-6", "Systolic blood pressure", mdc: "150021", "MDC_PRESS_BLD_NONINV_SYS",
                value: reading.systolic),
            Self.component(
                loinc: "8462-4", "Diastolic blood pressure", mdc: "150022", "MDC_PRESS_BLD_NONINV_DIA",
                value: reading.diastolic),
        ]
        if includesMeanPressure {
            components.append(
                Self.component(
                    loinc: "8478-0", "Mean blood pressure", mdc: "150023", "MDC_PRESS_BLD_NONINV_MEAN",
                    value: reading.meanArterial))
        }
        members["component"] = .array(components)
        return .object(members)
    }

    private static func component(loinc: String, _ display: String, mdc: String, _ mdcDisplay: String, value: Int)
        -> JSONValue
    {
        [
            "code": FHIRVitalSigns.concept(loinc: loinc, display, mdc: mdc, mdcDisplay, text: display),
            "valueQuantity": FHIRVitalSigns.quantity(value, unit: "mmHg", code: "mm[Hg]"),
        ]
    }
}
