/// The measuring device as an R4 `Device` resource.
///
/// The room's `DeviceInfo` names the model but knows no serial number or manufacturer; those
/// come from the device itself (the PHD system attributes, a vendor query) or from the room
/// configuration, so the caller supplies them here.
public struct FHIRDevice: Sendable, Equatable {
    /// The device's identity on the server, usually its serial number in the care provider's
    /// serial-number system; the conditional create matches on it.
    public var identifier: FHIRIdentifier
    public var manufacturer: String?
    /// The model's human name (`DeviceInfo.model`), sent as the `model-name` device name.
    public var modelName: String
    public var modelNumber: String?
    public var serialNumber: String?
    public var firmwareVersion: String?

    public init(
        identifier: FHIRIdentifier, manufacturer: String? = nil, modelName: String, modelNumber: String? = nil,
        serialNumber: String? = nil, firmwareVersion: String? = nil
    ) {
        self.identifier = identifier
        self.manufacturer = manufacturer
        self.modelName = modelName
        self.modelNumber = modelNumber
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
    }

    /// The room's device, named by its model, with the identity the caller knows.
    public init(
        info: DeviceInfo, identifier: FHIRIdentifier, manufacturer: String? = nil, serialNumber: String? = nil,
        firmwareVersion: String? = nil
    ) {
        self.init(
            identifier: identifier, manufacturer: manufacturer, modelName: info.model, serialNumber: serialNumber,
            firmwareVersion: firmwareVersion)
    }

    /// The Device resource. Its type is MDC 528391 `MDC_DEV_SPEC_PROFILE_BP`, the IEEE 11073
    /// device specialisation of a blood-pressure monitor.
    public var resource: JSONValue {
        var members: [String: JSONValue] = [
            "resourceType": "Device",
            "identifier": [identifier.json],
            "status": "active",
            "deviceName": [["name": .string(modelName), "type": "model-name"]],
            "type": [
                "coding": [
                    ["system": .string(FHIRSystem.mdc), "code": "528391", "display": "MDC_DEV_SPEC_PROFILE_BP"]
                ],
                "text": "Blood pressure monitor",
            ],
        ]
        if let manufacturer { members["manufacturer"] = .string(manufacturer) }
        if let modelNumber { members["modelNumber"] = .string(modelNumber) }
        if let serialNumber { members["serialNumber"] = .string(serialNumber) }
        if let firmwareVersion {
            members["version"] = [["type": ["text": "firmware"], "value": .string(firmwareVersion)]]
        }
        return .object(members)
    }
}
