import Foundation

/// The upload unit of one measurement: a FHIR R4 `transaction` Bundle of the Device, the
/// blood-pressure panel and the pulse, every entry a conditional create.
///
/// The server applies it all or nothing, and a retried upload (after a lost response, a crash,
/// a reset connection) matches the existing resources instead of duplicating them. Entries
/// refer to each other through their `urn:uuid:` fullUrls, which the server rewrites; the
/// patient is a conditional reference by identifier, so an unknown patient fails the whole
/// transaction (a permanent error to hold, not to retry). Every UUID is derived from the
/// measurement's, so the same measurement always gives the same bytes.
public struct FHIRTransactionBundle: Sendable, Equatable {
    public let measurement: FHIRMeasurement
    /// Device, blood-pressure panel, pulse, in that order.
    public let entries: [FHIRBundleEntry]

    /// Throws when a reading value is not positive. `includesMeanPressure` adds the mean
    /// arterial pressure component to the panel.
    public init(measurement: FHIRMeasurement, includesMeanPressure: Bool = false) throws(FHIRMappingError) {
        let panel = try FHIRBloodPressureObservation(
            measurement: measurement, includesMeanPressure: includesMeanPressure)
        let pulse = try FHIRPulseObservation(measurement: measurement)
        let deviceURL = Self.fullUrl(measurement, "Device")
        let panelURL = Self.fullUrl(measurement, "Observation/85354-9")
        let pulseURL = Self.fullUrl(measurement, "Observation/8867-4")
        let references = FHIRVitalSigns.References(
            subject: .conditional(type: "Patient", measurement.patient), device: .literal(deviceURL))
        self.measurement = measurement
        self.entries = [
            FHIRBundleEntry(
                fullUrl: deviceURL, resourceType: "Device", identifier: measurement.device.identifier,
                resource: measurement.device.resource),
            FHIRBundleEntry(
                fullUrl: panelURL, resourceType: "Observation", identifier: panel.identifier,
                resource: panel.resource(references)),
            FHIRBundleEntry(
                fullUrl: pulseURL, resourceType: "Observation", identifier: pulse.identifier,
                resource: pulse.resource(references, derivedFrom: .literal(panelURL))),
        ]
    }

    /// The Bundle as FHIR JSON.
    public var json: JSONValue {
        ["resourceType": "Bundle", "type": "transaction", "entry": .array(entries.map(\.json))]
    }

    /// The request body: one line of JSON with sorted keys, byte-for-byte the same for the
    /// same measurement.
    public var body: Data { Data(json.jsonLine().utf8) }

    /// A placeholder that is unique within the bundle and stable across retries. It is not the
    /// measurement's own UUID, so a placeholder can never be mistaken for the identifier.
    private static func fullUrl(_ measurement: FHIRMeasurement, _ name: String) -> String {
        "urn:uuid:" + FHIRDerivedID.uuid(measurement.id, "fullUrl/" + name).uuidString.lowercased()
    }
}
