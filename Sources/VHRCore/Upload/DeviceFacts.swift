/// What the uploader knows about the device that took a measurement, beyond its room name: the
/// facts its profile (or the device itself) supplies for the FHIR `Device` resource.
///
/// The daemon builds it from the device's `DeviceInfo` and profile; the uploader asks for it per
/// stored measurement, so a device that left the room since is still described.
public struct DeviceFacts: Sendable, Equatable {
    public var manufacturer: String?
    /// The model's human name (the profile's model).
    public var modelName: String
    public var modelNumber: String?
    public var serialNumber: String?
    public var firmwareVersion: String?
    /// The IEEE 11073 system id (EUI-64) of the unit that took the measurement. When it is a real
    /// EUI-64 (``DeviceSource/isEUI64(_:)``), the FHIR Device stands for that unit: it is matched on
    /// this id, so a swapped monitor becomes a new Device.
    public var systemID: [UInt8]?
    /// A simulated device: its measurements are uploaded marked as test data (`meta.security`
    /// HTEST), so a demo never looks like a patient's reading.
    public var isSimulated: Bool

    public init(
        manufacturer: String? = nil, modelName: String, modelNumber: String? = nil, serialNumber: String? = nil,
        firmwareVersion: String? = nil, systemID: [UInt8]? = nil, isSimulated: Bool
    ) {
        self.manufacturer = manufacturer
        self.modelName = modelName
        self.modelNumber = modelNumber
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
        self.systemID = systemID
        self.isSimulated = isSimulated
    }

    /// The room's device as its `DeviceInfo` describes it, with whatever else the caller knows.
    public init(
        info: DeviceInfo, manufacturer: String? = nil, modelNumber: String? = nil, serialNumber: String? = nil,
        firmwareVersion: String? = nil
    ) {
        self.init(
            manufacturer: manufacturer, modelName: info.model, modelNumber: modelNumber, serialNumber: serialNumber,
            firmwareVersion: firmwareVersion, isSimulated: info.simulated)
    }

    /// These facts with what the device itself reported when it took the reading put first.
    ///
    /// The configuration describes the slot as it is now; the source is the unit that was in it
    /// at the time, possibly swapped since (a monitor replaced during an upload outage). So when
    /// the device identified itself, its serial number, system id and firmware come from the
    /// source alone, never from the configuration, which may describe the replacement; the
    /// manufacturer and model number come from the source when it gives them. Without a source
    /// (readings stored before vhr kept it, devices that report nothing) the facts are unchanged.
    public func preferring(_ source: DeviceSource?) -> DeviceFacts {
        guard let source, !source.isEmpty else { return self }
        var facts = self
        facts.serialNumber = source.serialNumber
        facts.systemID = source.systemID
        facts.firmwareVersion = source.firmwareVersion
        facts.manufacturer = source.manufacturer ?? manufacturer
        facts.modelNumber = source.modelNumber ?? modelNumber
        return facts
    }
}
