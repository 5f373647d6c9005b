/// A host command to an Omron HEM-790IT / HEM-7080IT (M10-IT), as libomron documents them.
///
/// A command is a 3-letter ASCII mnemonic and argument bytes whose XOR is zero (the last argument
/// is the checksum); it is sent in ``OmronHIDReport``s after the mode feature report.
public enum OmronCommand: Sendable, Equatable, CustomStringConvertible {
    /// "VER00": the model and firmware string.
    case version
    /// "PRF00": the profile block.
    case profile
    /// "SRL00": the serial block.
    case serialNumber
    /// "GDC": how many readings bank `bank` holds.
    case readingCount(bank: UInt8)
    /// "GME": one stored reading; index 0 is the newest.
    case reading(bank: UInt8, index: UInt8)
    /// "GMA" (morning) or "GEA" (evening): one weekly average.
    case weeklyAverage(evening: Bool, bank: UInt8, index: UInt8)
    /// "END": ends the session; the device turns off.
    case end

    /// The command bytes (before report framing).
    public var bytes: [UInt8] {
        switch self {
        case .version: Array("VER00".utf8)
        case .profile: Array("PRF00".utf8)
        case .serialNumber: Array("SRL00".utf8)
        case .readingCount(let bank): Array("GDC".utf8) + [0x00, bank, 0x00, 0x00, bank]
        case .reading(let bank, let index): Array("GME".utf8) + [0x00, bank, 0x00, index, index ^ bank]
        case .weeklyAverage(let evening, let bank, let index):
            Array((evening ? "GEA" : "GMA").utf8) + [0x00, bank, index, 0x00, 0x00, index ^ bank]
        case .end: Array("END".utf8) + [0xFF, 0xFF]
        }
    }

    /// The reports to write, 8 bytes each.
    public var reports: [[UInt8]] { OmronHIDReport.reports(for: bytes) }

    /// How many bytes the reply to this command has when it is "OK" (a "NO" reply is 2 bytes).
    public var replyLength: Int {
        switch self {
        case .version: 3 + 12
        case .profile: 3 + 11
        case .serialNumber: 3 + 8
        case .readingCount: 3 + 5
        case .reading: 3 + OmronStoredReading.length
        case .weeklyAverage: 3 + OmronWeeklyAverage.length
        case .end: 5
        }
    }

    /// Decodes command bytes, checking the length and the XOR of the arguments.
    public init(bytes: [UInt8]) throws(OmronError) {
        guard bytes.count >= 3 else { throw .unrecognized(bytes) }
        let mnemonic = String(decoding: bytes[0..<3], as: UTF8.self)
        let arguments = Array(bytes[3...])
        func expectLength(_ count: Int) throws(OmronError) {
            guard arguments.count == count else {
                throw .wrongLength(what: "the \(mnemonic) command", expected: "\(count + 3)", actual: bytes.count)
            }
            try OmronChecksum.verify(arguments, what: "the \(mnemonic) command")
        }
        switch mnemonic {
        case "VER", "PRF", "SRL":
            try expectLength(2)
            self = mnemonic == "VER" ? .version : mnemonic == "PRF" ? .profile : .serialNumber
        case "GDC":
            try expectLength(5)
            self = .readingCount(bank: arguments[1])
        case "GME":
            try expectLength(5)
            self = .reading(bank: arguments[1], index: arguments[3])
        case "GMA", "GEA":
            try expectLength(6)
            self = .weeklyAverage(evening: mnemonic == "GEA", bank: arguments[1], index: arguments[2])
        case "END":
            try expectLength(2)
            self = .end
        default:
            throw .unrecognized(bytes)
        }
    }

    public var description: String {
        switch self {
        case .version: "VER: get model and firmware version"
        case .profile: "PRF: get profile"
        case .serialNumber: "SRL: get serial block"
        case .readingCount(let bank): "GDC: get the number of stored readings in bank \(bank)"
        case .reading(let bank, let index): "GME: get stored reading \(index) of bank \(bank) (0 = newest)"
        case .weeklyAverage(let evening, let bank, let index):
            "\(evening ? "GEA" : "GMA"): get \(evening ? "evening" : "morning") weekly average \(index) of bank \(bank)"
        case .end: "END: end the session (the device turns off)"
        }
    }
}
