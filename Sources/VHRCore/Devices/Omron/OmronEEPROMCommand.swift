/// A host frame for the Omron HEM-7131U / HEM-7322U (M400IT/M500IT, USB 0590:0090), which
/// reads its stored readings straight out of the device's EEPROM (per LazyT/obpm).
///
/// Frame: 0x02 (packet type), 0x08 (bytes that follow), six command bytes, and the XOR of
/// bytes 1–7.
public enum OmronEEPROMCommand: Sendable, Equatable, CustomStringConvertible {
    /// Opens the session.
    case begin
    /// Reads `length` bytes (the app uses 40) from `address`, big-endian.
    case read(address: UInt16, length: UInt8)
    /// Ends the session normally.
    case end
    /// Ends the session after an error.
    case fail

    public static let frameLength = 9
    /// Where user 1's records start.
    public static let firstRecordAddress: UInt16 = 0x02AC

    private var body: [UInt8] {
        switch self {
        case .begin: [0x00, 0x00, 0x00, 0x00, 0x10, 0x00]
        case .read(let address, let length): [0x01, 0x00, UInt8(address >> 8), UInt8(address & 0xFF), length, 0x00]
        case .end: [0x0F, 0x00, 0x00, 0x00, 0x00, 0x00]
        case .fail: [0x0F, 0x0F, 0x0F, 0x0F, 0x00, 0x00]
        }
    }

    /// The frame to write.
    public var bytes: [UInt8] {
        let covered = [0x08] + body
        return [0x02] + covered + [OmronChecksum.xor(covered)]
    }

    /// Decodes one 9-byte frame, checking its type, length and checksum.
    public init(frame: [UInt8]) throws(OmronError) {
        guard frame.count == Self.frameLength else {
            throw .wrongLength(what: "the HEM-7322U command", expected: "\(Self.frameLength)", actual: frame.count)
        }
        guard frame[0] == 0x02, frame[1] == 0x08 else { throw .unrecognized(frame) }
        try OmronChecksum.verify(frame[1...], what: "the HEM-7322U command")
        let body = Array(frame[2..<8])
        switch body {
        case Self.begin.body: self = .begin
        case Self.end.body: self = .end
        case Self.fail.body: self = .fail
        default:
            guard body[0] == 0x01, body[1] == 0x00, body[5] == 0x00 else { throw .unrecognized(frame) }
            self = .read(address: UInt16(body[2]) << 8 | UInt16(body[3]), length: body[4])
        }
    }

    public var description: String {
        switch self {
        case .begin: "begin session"
        case .read(let address, let length):
            "read \(length) bytes of EEPROM at 0x\(OmronHex.byte(UInt8(address >> 8)))\(OmronHex.byte(UInt8(address & 0xFF)))"
        case .end: "end session"
        case .fail: "end session after an error"
        }
    }
}
