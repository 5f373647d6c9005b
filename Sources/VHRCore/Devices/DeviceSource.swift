/// The physical device that took a reading, as the device itself identified it.
///
/// The room's configuration names a device slot (`cuff`) and its profile (the model); this is
/// the particular unit in that slot at the moment of the reading, so a recall, a calibration
/// record or a monitor swapped between the measurement and its upload (after an outage) still
/// points at the right hardware. Everything is optional: each protocol reports what it can
/// (IEEE 11073 agents their system id at association; SunTech and Omron modules, as vhr talks
/// to them, nothing).
///
/// It is provenance only: it never enters `MeasurementIdentity`, so measurement UUIDs do not
/// change with it.
public struct DeviceSource: Sendable, Equatable, Codable {
    /// The IEEE 11073 system id the device sent at association: an EUI-64, normally 8 bytes,
    /// stored as received.
    public var systemID: [UInt8]?
    public var serialNumber: String?
    public var firmwareVersion: String?
    public var manufacturer: String?
    public var modelNumber: String?

    public init(
        systemID: [UInt8]? = nil, serialNumber: String? = nil, firmwareVersion: String? = nil,
        manufacturer: String? = nil, modelNumber: String? = nil
    ) {
        self.systemID = systemID
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
        self.manufacturer = manufacturer
        self.modelNumber = modelNumber
    }

    /// True when the device told nothing about itself.
    public var isEmpty: Bool {
        systemID == nil && serialNumber == nil && firmwareVersion == nil && manufacturer == nil && modelNumber == nil
    }

    /// The system id when it names one device (see ``isEUI64(_:)``).
    public var eui64: [UInt8]? {
        guard let systemID, Self.isEUI64(systemID) else { return nil }
        return systemID
    }

    /// True when `bytes` can name one device: 8 bytes, neither all zeros (what the HL7 PHD IG has
    /// a device without a system id send) nor all ones (an unprogrammed EUI). Keying on anything
    /// else would make every such monitor one Device on the server.
    public static func isEUI64(_ bytes: [UInt8]) -> Bool {
        bytes.count == 8 && bytes.contains { $0 != 0 } && bytes.contains { $0 != 0xFF }
    }

    /// Bytes as upper-case hex pairs joined by `-` (`FE-ED-AB-EE-DE-AD-77-C3`), the form the HL7
    /// PHD IG gives the system id identifier's value.
    public static func hyphenatedHex(_ bytes: [UInt8]) -> String {
        Hex.string(bytes, separator: "-", uppercase: true)
    }

    /// The bytes of ``hyphenatedHex(_:)`` text, case-insensitive; nil when it is not that form.
    public static func parseHyphenatedHex(_ text: String) -> [UInt8]? {
        if text.isEmpty { return [] }
        var bytes: [UInt8] = []
        for pair in text.split(separator: "-", omittingEmptySubsequences: false) {
            guard pair.count == 2, pair.allSatisfy(\.isHexDigit), let byte = UInt8(pair, radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    private enum CodingKeys: String, CodingKey {
        case systemID, serialNumber, firmwareVersion, manufacturer, modelNumber
    }

    // The system id is written as hyphenated hex, so the stored JSON reads like the Device's identifier.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try container.decodeIfPresent(String.self, forKey: .systemID) {
            guard let bytes = Self.parseHyphenatedHex(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .systemID, in: container,
                    debugDescription: "system id \"\(text)\" is not hex pairs joined by -")
            }
            systemID = bytes
        }
        serialNumber = try container.decodeIfPresent(String.self, forKey: .serialNumber)
        firmwareVersion = try container.decodeIfPresent(String.self, forKey: .firmwareVersion)
        manufacturer = try container.decodeIfPresent(String.self, forKey: .manufacturer)
        modelNumber = try container.decodeIfPresent(String.self, forKey: .modelNumber)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(systemID.map(Self.hyphenatedHex), forKey: .systemID)
        try container.encodeIfPresent(serialNumber, forKey: .serialNumber)
        try container.encodeIfPresent(firmwareVersion, forKey: .firmwareVersion)
        try container.encodeIfPresent(manufacturer, forKey: .manufacturer)
        try container.encodeIfPresent(modelNumber, forKey: .modelNumber)
    }
}
