/// An IEEE 11073-20601 APDU, every kind a manager meets: association (AARQ, AARE), release (RLRQ, RLRE),
/// abort (ABRT) and presentation (PRST, carrying a `DataAPDU`).
///
/// Decoding is strict: the header length must match the bytes given, and every nested length and count
/// must match its content; the first inconsistency throws an `IEEE11073Error` naming the field.
public enum APDU: Sendable, Hashable {
    case associationRequest(AssociationRequest)
    case associationResponse(AssociationResponse)
    /// RLRQ reason: 0 normal, 1 no-more-configurations, 2 configuration-changed.
    case releaseRequest(reason: UInt16)
    /// RLRE reason: 0 normal.
    case releaseResponse(reason: UInt16)
    /// ABRT reason: 0 undefined, 1 buffer-overflow, 2 response-timeout, 3 configuration-timeout.
    case abort(reason: UInt16)
    case presentation(DataAPDU)

    /// Abort reasons.
    public static let abortUndefined: UInt16 = 0
    public static let abortBufferOverflow: UInt16 = 1
    public static let abortResponseTimeout: UInt16 = 2
    public static let abortConfigurationTimeout: UInt16 = 3

    /// The header: a u16 choice and a u16 length counting the bytes after it.
    public static let headerSize = 4

    /// The CHOICE tag on the wire.
    public var choice: UInt16 {
        switch self {
        case .associationRequest: 0xE200
        case .associationResponse: 0xE300
        case .releaseRequest: 0xE400
        case .releaseResponse: 0xE500
        case .abort: 0xE600
        case .presentation: 0xE700
        }
    }

    /// `AARQ`, `AARE`, `RLRQ`, `RLRE`, `ABRT`, `PRST`.
    public var name: String {
        switch self {
        case .associationRequest: "AARQ"
        case .associationResponse: "AARE"
        case .releaseRequest: "RLRQ"
        case .releaseResponse: "RLRE"
        case .abort: "ABRT"
        case .presentation: "PRST"
        }
    }

    /// The whole APDU's size from its 4-byte header, or nil while fewer than 4 bytes are at hand.
    /// Stream transports frame APDUs with this.
    public static func totalLength(header bytes: some Collection<UInt8>) -> Int? {
        guard bytes.count >= headerSize else { return nil }
        let start = bytes.startIndex
        let high = bytes[bytes.index(start, offsetBy: 2)]
        let low = bytes[bytes.index(start, offsetBy: 3)]
        return headerSize + (Int(high) << 8 | Int(low))
    }

    /// Decodes exactly one APDU that fills `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(IEEE11073Error) -> APDU {
        var reader = MDERReader(bytes, path: "APDU")
        let choice = try reader.u16("choice")
        let lengthOffset = reader.offset
        let length = Int(try reader.u16("length"))
        if length > reader.remaining {
            throw reader.error("length", .truncated(needed: length, available: reader.remaining), at: lengthOffset)
        }
        if length < reader.remaining {
            throw reader.error("length", .lengthMismatch(declared: length, actual: reader.remaining), at: lengthOffset)
        }
        switch choice {
        case 0xE200:
            var body = try reader.nested(length: length, "AARQ")
            return .associationRequest(try readAssociationRequest(&body))
        case 0xE300:
            var body = try reader.nested(length: length, "AARE")
            return .associationResponse(try readAssociationResponse(&body))
        case 0xE400, 0xE500, 0xE600:
            let name = choice == 0xE400 ? "RLRQ" : choice == 0xE500 ? "RLRE" : "ABRT"
            var body = try reader.nested(length: length, name)
            let reason = try body.u16("reason")
            try body.finish()
            switch choice {
            case 0xE400: return .releaseRequest(reason: reason)
            case 0xE500: return .releaseResponse(reason: reason)
            default: return .abort(reason: reason)
            }
        case 0xE700:
            var body = try reader.nested(length: length, "PRST")
            var data = try body.lengthPrefixed("DataApdu")
            try body.finish()
            return .presentation(try DataAPDU.read(&data))
        default:
            throw IEEE11073Error(field: "APDU.choice", offset: 0, kind: .unknownChoice(choice))
        }
    }

    private static func readAssociationRequest(_ reader: inout MDERReader) throws(IEEE11073Error)
        -> AssociationRequest
    {
        let version = try reader.u32("assoc-version")
        let protocols = try reader.sequence("data-proto-list") { (list: inout MDERReader) throws(IEEE11073Error) in
            let id = try list.u16("data-proto-id")
            var information = try list.lengthPrefixed("data-proto-info")
            if id == dataProtocol20601 {
                return DataProtocol(id: id, information: .phd(try AssociationInformation.read(&information)))
            }
            return DataProtocol(id: id, information: .other(information.rest()))
        }
        try reader.finish()
        return AssociationRequest(associationVersion: version, dataProtocols: protocols)
    }

    private static func readAssociationResponse(_ reader: inout MDERReader) throws(IEEE11073Error)
        -> AssociationResponse
    {
        let resultOffset = reader.offset
        let raw = try reader.u16("result")
        guard let result = AssociationResult(rawValue: raw) else {
            throw reader.error(
                "result", .invalidValue(expected: "an association result 0...8", found: "\(raw)"), at: resultOffset)
        }
        let id = try reader.u16("data-proto-id")
        var information = try reader.lengthPrefixed("data-proto-info")
        try reader.finish()
        // A rejection may carry no 20601 information; only decode what is there.
        let decoded: DataProtocol.Information =
            id == dataProtocol20601 && information.remaining > 0
            ? .phd(try AssociationInformation.read(&information)) : .other(information.rest())
        return AssociationResponse(result: result, dataProtocolID: id, information: decoded)
    }

    /// The APDU's bytes, header included.
    public func encode() -> [UInt8] {
        var body = MDERWriter()
        switch self {
        case .associationRequest(let request):
            body.u32(request.associationVersion)
            body.sequence(request.dataProtocols) { writer, offer in
                writer.u16(offer.id)
                Self.write(offer.information, to: &writer)
            }
        case .associationResponse(let response):
            body.u16(response.result.rawValue)
            body.u16(response.dataProtocolID)
            Self.write(response.information, to: &body)
        case .releaseRequest(let reason), .releaseResponse(let reason), .abort(let reason):
            body.u16(reason)
        case .presentation(let data):
            body.lengthPrefixed { writer in data.write(to: &writer) }
        }
        var writer = MDERWriter()
        writer.u16(choice)
        writer.octetString(body.bytes)
        return writer.bytes
    }

    private static func write(_ information: DataProtocol.Information, to writer: inout MDERWriter) {
        switch information {
        case .phd(let phd): writer.lengthPrefixed { writer in phd.write(to: &writer) }
        case .other(let bytes): writer.octetString(bytes)
        }
    }
}
