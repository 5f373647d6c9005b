/// Hexadecimal text for 11073 bytes and codes: captures are exchanged as hex, and the protocol's codes are
/// conventionally written as `0x4A04`.
public enum Hex {
    /// Why a hex capture could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Four upper-case hex digits.
    public static func word(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Eight upper-case hex digits.
    public static func doubleWord(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Hex digits, two per byte, separated by `separator`; lower-case unless `uppercase`.
    public static func string(_ bytes: [UInt8], separator: String = "", uppercase: Bool = false) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: uppercase)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: separator)
    }

    /// Parses hex digits, ignoring white space, commas and `0x` prefixes (`e7 00 00 0e`, `E700000E`,
    /// `0xe7,0x00`). An odd number of digits or any other character is an error.
    public static func parse(_ text: String) throws(ParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        var pending: UInt8?
        var previous: Character = " "
        for character in text {
            if character.isWhitespace || character == "," {
                previous = character
                continue
            }
            if (character == "x" || character == "X") && previous == "0" && pending == 0 {
                pending = nil
                previous = character
                continue
            }
            guard let nibble = character.hexDigitValue else {
                throw ParseError(message: "'\(character)' is not a hex digit; give bytes like 'e7 00 00 0e'")
            }
            if let high = pending {
                bytes.append(high << 4 | UInt8(nibble))
                pending = nil
            } else {
                pending = UInt8(nibble)
            }
            previous = character
        }
        if pending != nil {
            throw ParseError(message: "odd number of hex digits; every byte needs two digits")
        }
        return bytes
    }
}
