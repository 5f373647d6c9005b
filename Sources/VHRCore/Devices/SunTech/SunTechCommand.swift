/// A host-to-module command for the SunTech Advantage OEM NIBP module.
///
/// On the wire: ':' (0x3A), the command bytes, and a checksum making the frame sum to 0 mod 256.
/// Host frames carry no length byte, so ``init(frame:)`` needs exactly one whole frame.
public enum SunTechCommand: Sendable, Equatable, CustomStringConvertible {
    /// Start an adult measurement (0x20).
    case startAdult
    /// Start a pediatric measurement (0x87).
    case startPediatric
    /// Start a neonatal measurement (0x28).
    case startNeonate
    /// Stop the measurement and deflate the cuff (0x79 0x01 0x00).
    case abort
    /// Ask for the last measurement's result (0x79 0x03 0x00); answered with a 24-byte frame.
    case getResult
    /// Ask for the live cuff pressure (0x79 0x05 0x00); answered with a 5-byte frame.
    case getCuffPressure
    /// Ask for the module's identification string (0x79 0x02 0x40).
    case getReturnString
    /// Ask for module data (0x00).
    case getModuleData
    /// Set the first inflation target in mmHg (0x17, u16 little-endian).
    case setInitialInflate(mmHg: UInt16)
    /// Drive the pump and valves directly (0x0C pump, control valve, dump valve); service use.
    case controlPneumatics(pump: UInt8, controlValve: UInt8, dumpValve: UInt8)
    /// Restart the module (0x8A).
    case reset

    /// The first byte of every host frame.
    public static let startByte: UInt8 = 0x3A

    /// The command bytes between the start byte and the checksum.
    public var body: [UInt8] {
        switch self {
        case .startAdult: [0x20]
        case .startPediatric: [0x87]
        case .startNeonate: [0x28]
        case .abort: [0x79, 0x01, 0x00]
        case .getResult: [0x79, 0x03, 0x00]
        case .getCuffPressure: [0x79, 0x05, 0x00]
        case .getReturnString: [0x79, 0x02, 0x40]
        case .getModuleData: [0x00]
        case .setInitialInflate(let mmHg): [0x17, UInt8(mmHg & 0xFF), UInt8(mmHg >> 8)]
        case .controlPneumatics(let pump, let controlValve, let dumpValve): [0x0C, pump, controlValve, dumpValve]
        case .reset: [0x8A]
        }
    }

    /// The whole frame to write to the serial port.
    public var bytes: [UInt8] {
        let head = [Self.startByte] + body
        return head + [SunTechChecksum.value(for: head)]
    }

    /// Decodes one whole host frame, checking the start byte and checksum first.
    public init(frame: [UInt8]) throws(SunTechError) {
        guard frame.count >= 3 else { throw .tooShort(frame.count) }
        guard frame[0] == Self.startByte else { throw .badStartByte(frame[0]) }
        try SunTechChecksum.verify(frame)
        let body = Array(frame[1..<(frame.count - 1)])
        switch body.first {
        case 0x20 where body.count == 1: self = .startAdult
        case 0x87 where body.count == 1: self = .startPediatric
        case 0x28 where body.count == 1: self = .startNeonate
        case 0x00 where body.count == 1: self = .getModuleData
        case 0x8A where body.count == 1: self = .reset
        case 0x17 where body.count == 3: self = .setInitialInflate(mmHg: UInt16(body[1]) | UInt16(body[2]) << 8)
        case 0x0C where body.count == 4:
            self = .controlPneumatics(pump: body[1], controlValve: body[2], dumpValve: body[3])
        case 0x79 where body == [0x79, 0x01, 0x00]: self = .abort
        case 0x79 where body == [0x79, 0x03, 0x00]: self = .getResult
        case 0x79 where body == [0x79, 0x05, 0x00]: self = .getCuffPressure
        case 0x79 where body == [0x79, 0x02, 0x40]: self = .getReturnString
        default: throw .unknownCommand(body)
        }
    }

    public var description: String {
        switch self {
        case .startAdult: "start adult measurement"
        case .startPediatric: "start pediatric measurement"
        case .startNeonate: "start neonatal measurement"
        case .abort: "abort measurement"
        case .getResult: "get measurement result"
        case .getCuffPressure: "get cuff pressure"
        case .getReturnString: "get return string"
        case .getModuleData: "get module data"
        case .setInitialInflate(let mmHg): "set initial inflate to \(mmHg) mmHg"
        case .controlPneumatics(let pump, let controlValve, let dumpValve):
            "control pneumatics (pump \(pump), control valve \(controlValve), dump valve \(dumpValve))"
        case .reset: "reset module"
        }
    }
}
