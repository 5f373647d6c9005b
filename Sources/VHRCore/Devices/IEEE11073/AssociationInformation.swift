/// PhdAssociationInformation: what agent and manager tell each other when associating.
public struct AssociationInformation: Sendable, Hashable {
    /// Bit set; 0x80000000 is version 1. Newer agents may set more bits.
    public var protocolVersion: UInt32
    /// Bit set: 0x8000 MDER, 0x4000 XER, 0x2000 PER.
    public var encodingRules: UInt16
    public var nomenclatureVersion: UInt32
    public var functionalUnits: UInt32
    /// 0x80000000 manager, 0x00800000 agent.
    public var systemType: UInt32
    /// The device's EUI-64, the key under which its extended configuration is remembered.
    public var systemID: [UInt8]
    /// 0 in a manager's response; 0x0001–0x3FFF standard, 0x4000–0x7FFF extended.
    public var deviceConfigurationID: UInt16
    public var dataRequestModeFlags: UInt16
    public var dataRequestInitAgentCount: UInt8
    public var dataRequestInitManagerCount: UInt8
    public var options: [Attribute]

    public init(
        protocolVersion: UInt32, encodingRules: UInt16, nomenclatureVersion: UInt32, functionalUnits: UInt32,
        systemType: UInt32, systemID: [UInt8], deviceConfigurationID: UInt16, dataRequestModeFlags: UInt16,
        dataRequestInitAgentCount: UInt8, dataRequestInitManagerCount: UInt8, options: [Attribute]
    ) {
        self.protocolVersion = protocolVersion
        self.encodingRules = encodingRules
        self.nomenclatureVersion = nomenclatureVersion
        self.functionalUnits = functionalUnits
        self.systemType = systemType
        self.systemID = systemID
        self.deviceConfigurationID = deviceConfigurationID
        self.dataRequestModeFlags = dataRequestModeFlags
        self.dataRequestInitAgentCount = dataRequestInitAgentCount
        self.dataRequestInitManagerCount = dataRequestInitManagerCount
        self.options = options
    }

    /// What a manager answers with: version 1, MDER, its own system id, everything else zero.
    public static func manager(systemID: [UInt8]) -> AssociationInformation {
        AssociationInformation(
            protocolVersion: 0x8000_0000, encodingRules: 0x8000, nomenclatureVersion: 0x8000_0000,
            functionalUnits: 0, systemType: 0x8000_0000, systemID: systemID, deviceConfigurationID: 0,
            dataRequestModeFlags: 0, dataRequestInitAgentCount: 0, dataRequestInitManagerCount: 0, options: [])
    }

    static func read(_ reader: inout MDERReader) throws(IEEE11073Error) -> AssociationInformation {
        let protocolVersion = try reader.u32("protocol-version")
        let encodingRules = try reader.u16("encoding-rules")
        let nomenclatureVersion = try reader.u32("nomenclature-version")
        let functionalUnits = try reader.u32("functional-units")
        let systemType = try reader.u32("system-type")
        let systemID = try reader.octetString("system-id")
        let configurationID = try reader.u16("dev-config-id")
        let flags = try reader.u16("data-req-mode-flags")
        let agentCount = try reader.u8("data-req-init-agent-count")
        let managerCount = try reader.u8("data-req-init-manager-count")
        let options = try Attribute.readList(&reader, "option-list")
        try reader.finish()
        return AssociationInformation(
            protocolVersion: protocolVersion, encodingRules: encodingRules, nomenclatureVersion: nomenclatureVersion,
            functionalUnits: functionalUnits, systemType: systemType, systemID: systemID,
            deviceConfigurationID: configurationID, dataRequestModeFlags: flags,
            dataRequestInitAgentCount: agentCount, dataRequestInitManagerCount: managerCount, options: options)
    }

    func write(to writer: inout MDERWriter) {
        writer.u32(protocolVersion)
        writer.u16(encodingRules)
        writer.u32(nomenclatureVersion)
        writer.u32(functionalUnits)
        writer.u32(systemType)
        writer.octetString(systemID)
        writer.u16(deviceConfigurationID)
        writer.u16(dataRequestModeFlags)
        writer.u8(dataRequestInitAgentCount)
        writer.u8(dataRequestInitManagerCount)
        Attribute.writeList(options, to: &writer)
    }
}
