/// What a module-to-host frame means. The module's answers are told apart by length:
/// 4 bytes a one-letter acknowledgement, 5 the cuff pressure, 24 a measurement result.
public enum SunTechResponse: Sendable, Equatable {
    case acknowledgement(SunTechAcknowledgement)
    /// A 4-byte answer with a letter the specification does not list.
    case unknownAcknowledgement(UInt8)
    /// Live cuff pressure in mmHg.
    case cuffPressure(Int)
    case result(SunTechResult)
    /// A valid frame of another length (return string, module data); the payload as sent.
    case other([UInt8])

    /// Interprets a validated frame.
    public init(frame: SunTechFrame) {
        let payload = Array(frame.payload)
        switch frame.bytes.count {
        case 4:
            self =
                SunTechAcknowledgement(rawValue: payload[0]).map(Self.acknowledgement)
                ?? .unknownAcknowledgement(payload[0])
        case 5:
            self = .cuffPressure(Int(payload[0]) | Int(payload[1]) << 8)
        case SunTechResult.frameLength:
            // Length 24 always decodes; the optional only guards other lengths.
            self = SunTechResult(frame: frame).map(Self.result) ?? .other(payload)
        default:
            self = .other(payload)
        }
    }

    /// Validates and interprets one whole frame.
    public init(bytes: [UInt8]) throws(SunTechError) {
        self.init(frame: try SunTechFrame(bytes: bytes))
    }
}
