import Foundation

/// Turns a stored measurement into the transaction Bundle the uploader sends: the patient and
/// visit by the configured identifier systems, the device as `<room>/<device>` in the device
/// system, and as the physical unit's IEEE 11073 system id when the stored reading has one.
///
/// A pure function of the stored row and the configuration, so every retry of a measurement
/// sends the same bytes.
public struct UploadMapping: Sendable, Equatable {
    public var patientSystem: String
    public var visitSystem: String
    public var deviceSystem: String
    /// The room's name, the first part of every device identifier.
    public var roomName: String
    /// The zone whose UTC offset the bundle's times are written in.
    public var timeZone: TimeZone

    public init(
        patientSystem: String, visitSystem: String, deviceSystem: String, roomName: String,
        timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!
    ) {
        self.patientSystem = patientSystem
        self.visitSystem = visitSystem
        self.deviceSystem = deviceSystem
        self.roomName = roomName
        self.timeZone = timeZone
    }

    /// The identifier systems of an `[upload]` section.
    public init(target: UploadTarget, roomName: String, timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!) {
        self.init(
            patientSystem: target.patientSystem, visitSystem: target.visitSystem, deviceSystem: target.deviceSystem,
            roomName: roomName, timeZone: timeZone)
    }

    /// The device's identifier: `<room>/<device>` in the device system, made search-safe.
    public func deviceIdentifier(deviceID: String) throws(FHIRMappingError) -> FHIRIdentifier {
        try FHIRIdentifier(
            system: deviceSystem, value: Self.searchSafe(roomName) + "/" + Self.searchSafe(deviceID), field: "device")
    }

    /// The FHIR view of a stored measurement.
    ///
    /// - Parameters:
    ///   - record: The measurement as stored.
    ///   - patientID: The patient of the measurement's visit.
    ///   - device: The device's facts; `nil` (a device no longer configured) names it by the
    ///     stored profile and does not mark the measurement as test data. What the stored reading's
    ///     source says about the unit comes first (``DeviceFacts/preferring(_:)``).
    /// - Throws: When the patient, visit or device identifier is not search-safe: such a row is
    ///   held, since no retry can fix it.
    ///
    /// The Device stands for the physical monitor when its system id is known: the conditional
    /// create matches on the system id identifier (a swapped monitor is a new Device), and
    /// `<room>/<device>` follows as a second identifier. Without one, `<room>/<device>` is the only
    /// identifier and the match, as for every reading stored before vhr kept the source.
    public func measurement(record: MeasurementRecord, patientID: String, device: DeviceFacts?) throws(FHIRMappingError)
        -> FHIRMeasurement
    {
        let facts = (device ?? DeviceFacts(modelName: record.profile, isSimulated: false))
            .preferring(record.reading.source)
        let roomIdentifier = try deviceIdentifier(deviceID: record.deviceID)
        var identifier = roomIdentifier
        var otherIdentifiers: [FHIRIdentifier] = []
        if let systemID = facts.systemID, DeviceSource.isEUI64(systemID) {
            identifier = try FHIRDevice.systemIDIdentifier(systemID)
            otherIdentifiers = [roomIdentifier]
        }
        let fhirDevice = FHIRDevice(
            identifier: identifier, otherIdentifiers: otherIdentifiers, manufacturer: facts.manufacturer,
            modelName: facts.modelName, modelNumber: facts.modelNumber, serialNumber: facts.serialNumber,
            firmwareVersion: facts.firmwareVersion)
        return try FHIRMeasurement(
            record: record, patient: try FHIRIdentifier(system: patientSystem, value: patientID, field: "patient"),
            visitSystem: visitSystem, device: fhirDevice, timeZone: timeZone, isTestData: facts.isSimulated)
    }

    /// The transaction Bundle of a stored measurement; throws as ``measurement(record:patientID:device:)``
    /// does, or when the reading is implausible.
    public func bundle(record: MeasurementRecord, patientID: String, device: DeviceFacts?) throws(FHIRMappingError)
        -> FHIRTransactionBundle
    {
        try FHIRTransactionBundle(measurement: measurement(record: record, patientID: patientID, device: device))
    }

    /// `text` with every character that FHIR search syntax reads as an operator, and every space
    /// or control character, replaced by `_`; room and device names are the operator's, and a
    /// stable substitute is better than refusing to upload. Empty text stays empty (and the
    /// identifier is then refused).
    public static func searchSafe(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let unsafe =
                scalar.value <= 0x20 || scalar.value == 0x7F || scalar.properties.isWhitespace
                || searchOperators.contains(scalar)
            scalars.append(unsafe ? "_" : scalar)
        }
        return String(scalars)
    }

    private static let searchOperators: Set<Unicode.Scalar> = ["|", ",", "$", "\\", "&", "#", "%", "+", "?", "="]
}
