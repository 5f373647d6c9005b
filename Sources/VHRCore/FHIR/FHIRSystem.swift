/// The code systems, identifier systems and profiles the FHIR mapping uses, in one place so a
/// test can compare them with the research vectors.
public enum FHIRSystem {
    /// LOINC, the primary code of every vital-signs Observation.
    public static let loinc = "http://loinc.org"
    /// UCUM, the unit system the vital-signs profiles require.
    public static let ucum = "http://unitsofmeasure.org"
    /// IEEE 11073-10101 (MDC) codes, added as extra codings as the HL7 PHD IG does.
    public static let mdc = "urn:iso:std:iso:11073:10101"
    /// Observation categories; the vital-signs profiles require `vital-signs`.
    public static let observationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
    /// Identifiers whose value is itself a URI, such as the measurement's `urn:uuid:`.
    public static let uri = "urn:ietf:rfc:3986"
    /// The Swedish personal identity number (HL7 Sweden base profiles).
    public static let personnummer = "http://electronichealth.se/identifier/personnummer"
    /// The reason code that marks test or demo data (`meta.security`), as the PHD IG does for
    /// readings that did not come from a patient.
    public static let actReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

    /// The R4 blood-pressure profile.
    public static let bloodPressureProfile = "http://hl7.org/fhir/StructureDefinition/bp"
    /// The R4 heart-rate profile.
    public static let heartRateProfile = "http://hl7.org/fhir/StructureDefinition/heartrate"
}
