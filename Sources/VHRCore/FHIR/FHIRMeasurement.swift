import Foundation

/// Everything the FHIR mapping needs about one stored blood-pressure measurement.
///
/// It is a plain value built from the stored row, so the resources and the bundle are a pure
/// function of what was committed at capture: every retry sends the same bytes.
public struct FHIRMeasurement: Sendable, Equatable {
    /// The measurement's UUID, assigned once at capture; the panel's identifier is its
    /// `urn:uuid:` form and every other UUID in the bundle is derived from it.
    public var id: UUID
    /// The patient, by personnummer (or another identifier system the backend accepts).
    public var patient: FHIRIdentifier
    /// The visit, sent as the Observations' encounter context.
    public var visit: FHIRIdentifier
    public var device: FHIRDevice
    public var reading: BloodPressureReading
    /// When the room stored the measurement, sent as `issued`.
    public var recordedAt: Date
    /// The zone whose UTC offset the times are written in (the room's local zone).
    public var timeZone: TimeZone
    /// Marks the Observations as test data (`meta.security` HTEST): set for simulated devices,
    /// so a demo never looks like a patient's reading.
    public var isTestData: Bool

    public init(
        id: UUID, patient: FHIRIdentifier, visit: FHIRIdentifier, device: FHIRDevice, reading: BloodPressureReading,
        recordedAt: Date, timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!, isTestData: Bool = false
    ) {
        self.id = id
        self.patient = patient
        self.visit = visit
        self.device = device
        self.reading = reading
        self.recordedAt = recordedAt
        self.timeZone = timeZone
        self.isTestData = isTestData
    }

    /// The stored record of a visit's measurement. `visitSystem` is the care provider's
    /// namespace for the room's visit identifiers.
    public init(
        record: MeasurementRecord, patient: FHIRIdentifier, visitSystem: String, device: FHIRDevice,
        timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!, isTestData: Bool = false
    ) throws(FHIRMappingError) {
        self.init(
            id: record.id, patient: patient,
            visit: try FHIRIdentifier(system: visitSystem, value: record.visitID, field: "visit"),
            device: device, reading: record.reading, recordedAt: record.recordedAt, timeZone: timeZone,
            isTestData: isTestData)
    }

    /// The blood-pressure panel's identifier: the idempotency key of the conditional create.
    public var identifier: FHIRIdentifier { .uuid(id) }

    /// The pulse Observation's identifier, derived from the measurement's UUID (the pulse is a
    /// separate resource, so it needs its own key, and it must be the same on every retry).
    public var pulseIdentifier: FHIRIdentifier { .uuid(FHIRDerivedID.uuid(id, "Observation/8867-4")) }
}
