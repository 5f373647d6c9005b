/// The one-letter answers the module sends in a 4-byte frame (`3E 04 letter checksum`).
public enum SunTechAcknowledgement: UInt8, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// 'O': the command was received.
    case received = 0x4F
    /// 'K': the command finished (for start: the measurement is complete; ask for the result).
    case completed = 0x4B
    /// 'A': the measurement was aborted.
    case aborted = 0x41
    /// 'B': the module is busy with another command or zeroing; retry shortly.
    case busy = 0x42
    /// 'E': the command failed; read the result's error code.
    case error = 0x45
    /// 'N': the command was invalid (bad checksum or a value out of range).
    case rejected = 0x4E
    /// 'D': the command was not recognised.
    case unrecognized = 0x44
    /// 'S': the module went to sleep.
    case sleeping = 0x53
    /// 'T': the command timed out inside the module.
    case timedOut = 0x54

    /// The letter as the module sends it.
    public var letter: Character { Character(Unicode.Scalar(rawValue)) }

    public var description: String {
        switch self {
        case .received: "'O' command received"
        case .completed: "'K' command completed (after start: the result is ready)"
        case .aborted: "'A' measurement aborted"
        case .busy: "'B' module busy; retry shortly"
        case .error: "'E' command failed; get the result for its error code"
        case .rejected: "'N' command rejected (bad checksum or value out of range); check the host's framing"
        case .unrecognized: "'D' command not recognised by this module; check its firmware version"
        case .sleeping: "'S' module asleep; send any command to wake it"
        case .timedOut: "'T' command timed out inside the module; retry, then reset the module"
        }
    }
}
