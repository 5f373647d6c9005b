/// The IEEE 11073-20601 data protocol id in association messages.
public let dataProtocol20601: UInt16 = 0x5079

/// One offered data protocol in an AARQ. Only 20601's information is decoded; others are kept as bytes.
public struct DataProtocol: Sendable, Hashable {
    public var id: UInt16
    public var information: Information

    public enum Information: Sendable, Hashable {
        case phd(AssociationInformation)
        case other([UInt8])
    }

    public init(id: UInt16, information: Information) {
        self.id = id
        self.information = information
    }
}

/// AARQ: an agent asks to associate.
public struct AssociationRequest: Sendable, Hashable {
    /// 0x80000000 for the 2008 association version.
    public var associationVersion: UInt32
    public var dataProtocols: [DataProtocol]

    public init(associationVersion: UInt32, dataProtocols: [DataProtocol]) {
        self.associationVersion = associationVersion
        self.dataProtocols = dataProtocols
    }

    /// The 20601 association information, if the agent offers 20601.
    public var phd: AssociationInformation? {
        for offer in dataProtocols {
            if offer.id == dataProtocol20601, case .phd(let information) = offer.information { return information }
        }
        return nil
    }
}

/// AARE result codes.
public enum AssociationResult: UInt16, Sendable, Hashable, CaseIterable {
    case accepted = 0
    case rejectedPermanent = 1
    case rejectedTransient = 2
    case acceptedUnknownConfiguration = 3
    case rejectedNoCommonProtocol = 4
    case rejectedNoCommonParameter = 5
    case rejectedUnknown = 6
    case rejectedUnauthorized = 7
    case rejectedUnsupportedAssociationVersion = 8

    public var name: String {
        switch self {
        case .accepted: "accepted"
        case .rejectedPermanent: "rejected-permanent"
        case .rejectedTransient: "rejected-transient"
        case .acceptedUnknownConfiguration: "accepted-unknown-config"
        case .rejectedNoCommonProtocol: "rejected-no-common-protocol"
        case .rejectedNoCommonParameter: "rejected-no-common-parameter"
        case .rejectedUnknown: "rejected-unknown"
        case .rejectedUnauthorized: "rejected-unauthorized"
        case .rejectedUnsupportedAssociationVersion: "rejected-unsupported-assoc-version"
        }
    }
}

/// AARE: the manager's answer to an AARQ.
public struct AssociationResponse: Sendable, Hashable {
    public var result: AssociationResult
    public var dataProtocolID: UInt16
    public var information: DataProtocol.Information

    public init(result: AssociationResult, dataProtocolID: UInt16, information: DataProtocol.Information) {
        self.result = result
        self.dataProtocolID = dataProtocolID
        self.information = information
    }
}
