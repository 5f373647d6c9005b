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
    /// A simulated device: its measurements are uploaded marked as test data (`meta.security`
    /// HTEST), so a demo never looks like a patient's reading.
    public var isSimulated: Bool

    public init(
        manufacturer: String? = nil, modelName: String, modelNumber: String? = nil, serialNumber: String? = nil,
        firmwareVersion: String? = nil, isSimulated: Bool
    ) {
        self.manufacturer = manufacturer
        self.modelName = modelName
        self.modelNumber = modelNumber
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
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
}
