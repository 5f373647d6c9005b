import Glibc

/// How a serial line is framed: speed, character size, parity, stop bits and flow control.
///
/// ``apply(to:)`` writes them into a `termios` in raw mode (no echo, no line editing, no
/// translation of CR/LF, no signals), which is what a binary device protocol needs.
public struct SerialPortSettings: Sendable, Equatable, CustomStringConvertible {
    /// Bits per character.
    public enum DataBits: Int, Sendable, Equatable, CaseIterable {
        case five = 5
        case six = 6
        case seven = 7
        case eight = 8
    }

    /// The parity bit after each character.
    public enum Parity: String, Sendable, Equatable, CaseIterable {
        case none
        case even
        case odd
    }

    /// Stop bits after each character.
    public enum StopBits: Int, Sendable, Equatable, CaseIterable {
        case one = 1
        case two = 2
    }

    /// How the two ends pace each other.
    public enum FlowControl: String, Sendable, Equatable, CaseIterable {
        case none
        /// RTS/CTS lines (`CRTSCTS`).
        case hardware
        /// XON/XOFF characters (`IXON`, `IXOFF`); never for binary protocols, whose data may
        /// contain those bytes.
        case software
    }

    /// Bits per second; one of ``supportedBaudRates``.
    public var baudRate: Int
    public var dataBits: DataBits
    public var parity: Parity
    public var stopBits: StopBits
    public var flowControl: FlowControl

    public init(
        baudRate: Int = 9600, dataBits: DataBits = .eight, parity: Parity = .none, stopBits: StopBits = .one,
        flowControl: FlowControl = .none
    ) {
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.flowControl = flowControl
    }

    /// 9600 baud, 8 data bits, no parity, 1 stop bit, no flow control: the SunTech Advantage
    /// module's line.
    public static let standard9600 = SerialPortSettings()

    /// The speeds Linux's termios has a constant for, from 1200 to 921600 baud.
    public static let supportedBaudRates: [Int] = speeds.map(\.baud)

    private static let speeds: [(baud: Int, speed: speed_t)] = [
        (1200, speed_t(B1200)), (2400, speed_t(B2400)), (4800, speed_t(B4800)), (9600, speed_t(B9600)),
        (19200, speed_t(B19200)), (38400, speed_t(B38400)), (57600, speed_t(B57600)),
        (115_200, speed_t(B115200)), (230_400, speed_t(B230400)), (460_800, speed_t(B460800)),
        (921_600, speed_t(B921600)),
    ]

    /// The termios speed constant for ``baudRate``, or `nil` when Linux has none.
    public var speed: speed_t? {
        Self.speeds.first { $0.baud == baudRate }?.speed
    }

    /// The short spelling technicians know, e.g. "9600 8N1" or "19200 7E1 RTS/CTS".
    public var description: String {
        let parityLetter =
            switch parity {
            case .none: "N"
            case .even: "E"
            case .odd: "O"
            }
        var text = "\(baudRate) \(dataBits.rawValue)\(parityLetter)\(stopBits.rawValue)"
        switch flowControl {
        case .none: break
        case .hardware: text += " RTS/CTS"
        case .software: text += " XON/XOFF"
        }
        return text
    }

    /// Why the settings cannot be used, or `nil` when they can.
    public var invalidReason: String? {
        guard speed != nil else {
            let list = Self.supportedBaudRates.map(String.init).joined(separator: ", ")
            return "\(baudRate) baud is not a standard speed; use one of \(list)"
        }
        return nil
    }

    /// Puts `options` in raw mode with these settings. Reads return whatever has arrived at once
    /// (`VMIN` 0, `VTIME` 0): the port waits with `poll`, which also sees a hang-up.
    ///
    /// - Precondition: ``invalidReason`` is `nil`.
    ///
    /// The corresponding C functions are `cfmakeraw`, `cfsetispeed` and `cfsetospeed`.
    public func apply(to options: inout termios) {
        guard let speed else { preconditionFailure(invalidReason ?? "unsupported speed") }
        cfmakeraw(&options)
        // Characters, parity and stop bits live in c_cflag; clear them all, then set ours.
        options.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        // CLOCAL: ignore the modem lines, so a cable without DCD still reads; CREAD: receive.
        options.c_cflag |= tcflag_t(CLOCAL | CREAD) | characterSizeFlag
        switch parity {
        case .none: break
        case .even: options.c_cflag |= tcflag_t(PARENB)
        case .odd: options.c_cflag |= tcflag_t(PARENB | PARODD)
        }
        if stopBits == .two { options.c_cflag |= tcflag_t(CSTOPB) }
        // cfmakeraw clears INPCK; with parity on, let the driver check it.
        if parity != .none { options.c_iflag |= tcflag_t(INPCK) }
        options.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        switch flowControl {
        case .none: break
        case .hardware: options.c_cflag |= tcflag_t(CRTSCTS)
        case .software: options.c_iflag |= tcflag_t(IXON | IXOFF)
        }
        withUnsafeMutableBytes(of: &options.c_cc) { characters in
            characters[Int(VMIN)] = 0
            characters[Int(VTIME)] = 0
        }
        cfsetispeed(&options, speed)
        cfsetospeed(&options, speed)
    }

    /// The settings `options` holds, as far as they are ones this type can express; `nil` for a
    /// speed without a constant here. Used to check what the driver really accepted.
    public init?(termios options: termios) {
        var copy = options
        let speed = cfgetospeed(&copy)
        guard let baud = Self.speeds.first(where: { $0.speed == speed })?.baud else { return nil }
        let dataBits: DataBits =
            switch options.c_cflag & tcflag_t(CSIZE) {
            case tcflag_t(CS5): .five
            case tcflag_t(CS6): .six
            case tcflag_t(CS7): .seven
            default: .eight
            }
        let parity: Parity =
            options.c_cflag & tcflag_t(PARENB) == 0
            ? .none : options.c_cflag & tcflag_t(PARODD) == 0 ? .even : .odd
        let flowControl: FlowControl =
            options.c_cflag & tcflag_t(CRTSCTS) != 0
            ? .hardware : options.c_iflag & tcflag_t(IXON) != 0 ? .software : .none
        self.init(
            baudRate: baud, dataBits: dataBits, parity: parity,
            stopBits: options.c_cflag & tcflag_t(CSTOPB) != 0 ? .two : .one, flowControl: flowControl)
    }

    private var characterSizeFlag: tcflag_t {
        switch dataBits {
        case .five: tcflag_t(CS5)
        case .six: tcflag_t(CS6)
        case .seven: tcflag_t(CS7)
        case .eight: tcflag_t(CS8)
        }
    }
}
