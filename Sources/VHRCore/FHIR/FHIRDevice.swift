/// The measuring device as an R4 `Device` resource.
///
/// The room's `DeviceInfo` names the model but knows no serial number or manufacturer; those
/// come from the device itself (the PHD system attributes, a vendor query) or from the room
/// configuration, so the caller supplies them here.
public struct FHIRDevice: Sendable, Equatable {
    /// The device's identity on the server; the conditional create matches on it. vhr uses the
    /// unit's IEEE 11073 system id when the device reported one (``systemIDIdentifier(_:)``), so
    /// the Device stands for the physical monitor, else the room's name for the device.
    public var identifier: FHIRIdentifier
    /// Further identifiers, listed after `identifier` (the room's name for a monitor that is
    /// matched on its system id).
    public var otherIdentifiers: [FHIRIdentifier]
    public var manufacturer: String?
    /// The model's human name (`DeviceInfo.model`), sent as the `model-name` device name.
    public var modelName: String
    public var modelNumber: String?
    public var serialNumber: String?
    public var firmwareVersion: String?

    public init(
        identifier: FHIRIdentifier, otherIdentifiers: [FHIRIdentifier] = [], manufacturer: String? = nil,
        modelName: String, modelNumber: String? = nil, serialNumber: String? = nil, firmwareVersion: String? = nil
    ) {
        self.identifier = identifier
        self.otherIdentifiers = otherIdentifiers
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
            "identifier": .array(([identifier] + otherIdentifiers).map(Self.json)),
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

    // MARK: - The IEEE 11073 system id

    /// The identifier system of an IEEE EUI-64 (the OID the HL7 PHD IG fixes for the system id).
    public static let systemIDSystem = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680"
    /// The code system of the identifier's type (HL7 PHD IG STU 2, on terminology.hl7.org).
    public static let identifierTypeSystem = "http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers"
    /// The identifier type code of an IEEE 11073 system id.
    public static let systemIDTypeCode = "SYSID"

    /// The identifier of a unit's IEEE 11073 system id as the HL7 PHD IG writes it: the bytes as
    /// upper-case hex pairs joined by `-` (`FE-ED-AB-EE-DE-AD-77-C3`) in ``systemIDSystem``; the
    /// resource types it `SYSID`.
    ///
    /// - Throws: When `systemID` is empty.
    public static func systemIDIdentifier(_ systemID: [UInt8]) throws(FHIRMappingError) -> FHIRIdentifier {
        try FHIRIdentifier(
            system: systemIDSystem, value: DeviceSource.hyphenatedHex(systemID), field: "device system id")
    }

    /// An identifier as JSON; one in ``systemIDSystem`` gets the IG's `SYSID` type, which its
    /// Device profile requires of the system id slice.
    private static func json(_ identifier: FHIRIdentifier) -> JSONValue {
        guard identifier.system == systemIDSystem else { return identifier.json }
        return [
            "type": [
                "coding": [
                    [
                        "system": .string(identifierTypeSystem), "code": .string(systemIDTypeCode),
                        "display": "IEEE 11073 System Identifier",
                    ]
                ]
            ],
            "system": .string(identifier.system), "value": .string(identifier.value),
        ]
    }
}
