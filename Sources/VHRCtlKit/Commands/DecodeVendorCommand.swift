import VHRCore
import VHRSystem

/// `vhrctl decode suntech|omron HEX...`: decodes a capture of a vendor cuff protocol offline.
///
/// Hex bytes may be split by spaces, commas or colons and carry `0x`; `-` reads them from
/// stdin. Exit 0 when the bytes decode, 1 when they are rejected (the message says exactly
/// why), 2 for a usage error.
enum DecodeVendorCommand {
    static let usage = """
        usage: vhrctl decode suntech HEX... | -
               vhrctl decode omron [--as LAYOUT] HEX... | -
          LAYOUT: \(OmronCapture.Layout.allCases.map(\.rawValue).joined(separator: ", ")) (default auto)
        """

    /// Runs `vhrctl decode <protocol>` for "suntech" and "omron".
    static func run(protocol name: String, _ reader: inout ArgumentReader, _ context: CommandContext)
        throws(CommandFailure)
    {
        switch name {
        case "suntech":
            let bytes = try readCapture(&reader)
            let capture: SunTechCapture
            do {
                capture = try SunTechCapture(bytes: bytes)
            } catch {
                throw CommandFailure(.failed, "suntech: \(error)")
            }
            context.json ? Output.json(capture.json) : capture.lines.forEach(Output.line)
        case "omron":
            let layoutName = try reader.option("--as") ?? OmronCapture.Layout.auto.rawValue
            guard let layout = OmronCapture.Layout(rawValue: layoutName) else {
                throw CommandFailure(.usage, "unknown layout '\(layoutName)'", hint: usage)
            }
            let bytes = try readCapture(&reader)
            let capture: OmronCapture
            do {
                capture = try OmronCapture(bytes: bytes, as: layout)
            } catch {
                throw CommandFailure(.failed, "omron: \(error)")
            }
            context.json ? Output.json(capture.json) : capture.lines.forEach(Output.line)
        default:
            throw CommandFailure(.usage, "unknown protocol '\(name)' for decode", hint: usage)
        }
    }

    /// The capture's bytes from the remaining words, or from stdin for `-`.
    private static func readCapture(_ reader: inout ArgumentReader) throws(CommandFailure) -> [UInt8] {
        var words: [String] = []
        while let word = reader.nextWord() { words.append(word) }
        try reader.finish()
        if words == ["-"] {
            words = [String(decoding: try readStandardInput(), as: UTF8.self)]
        } else if words.contains("-") {
            throw CommandFailure(.usage, "'-' (read stdin) cannot be mixed with hex bytes", hint: usage)
        }
        guard !words.isEmpty else { throw CommandFailure(.usage, "no bytes given", hint: usage) }
        return try DecodeVendorHex.parse(words.joined(separator: " "))
    }

    private static func readStandardInput() throws(CommandFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk: IOResult<[UInt8]>
            do {
                chunk = try FileDescriptor.standardInput.read(upToCount: 65536)
            } catch {
                throw CommandFailure(.failed, "cannot read stdin: \(error)")
            }
            guard case .value(let part) = chunk, !part.isEmpty else { return bytes }
            bytes += part
            guard bytes.count <= 1 << 20 else {
                throw CommandFailure(.usage, "stdin holds more than 1 MiB; a capture of one exchange is expected")
            }
        }
    }
}

/// Hex text as technicians paste it: `3a 20 a6`, `3A20A6`, `0x3a,0x20`, `3a:20:a6`.
enum DecodeVendorHex {
    static func parse(_ text: String) throws(CommandFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        let separators: Set<Character> = [" ", "\t", "\n", "\r", ",", ":"]
        for token in text.split(whereSeparator: { separators.contains($0) }) {
            let digits = token.hasPrefix("0x") || token.hasPrefix("0X") ? token.dropFirst(2) : token[...]
            guard !digits.isEmpty, digits.count.isMultiple(of: 2) else {
                throw CommandFailure(.usage, "'\(token)' is not whole hex bytes (two digits each)")
            }
            var index = digits.startIndex
            while index < digits.endIndex {
                let next = digits.index(index, offsetBy: 2)
                guard let byte = UInt8(digits[index..<next], radix: 16) else {
                    throw CommandFailure(.usage, "'\(token)' is not hex")
                }
                bytes.append(byte)
                index = next
            }
        }
        guard !bytes.isEmpty else { throw CommandFailure(.usage, "no bytes given") }
        return bytes
    }
}
