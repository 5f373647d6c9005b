import Foundation
import VHRCore

/// `vhrctl decode 11073 HEX...`: decodes a captured IEEE 11073-20601 APDU locally, without vhrd, for a
/// technician holding a capture. Exit 0 decoded, 1 rejected (with the precise error), 2 usage.
enum DecodeCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        guard let protocolName = reader.nextWord() else {
            throw CommandFailure(.usage, "decode needs a protocol: vhrctl decode 11073 HEX...")
        }
        if protocolName == "suntech" || protocolName == "omron" {
            return try DecodeVendorCommand.run(protocol: protocolName, &reader, context)
        }
        guard protocolName == "11073" else {
            throw CommandFailure(
                .usage, "unknown protocol '\(protocolName)'; this vhrctl decodes: 11073, suntech, omron")
        }
        let configurationFile = try reader.option("--config")
        var words: [String] = []
        while let word = reader.nextWord() { words.append(word) }
        try reader.finish()
        guard !words.isEmpty else { throw CommandFailure(.usage, "give the APDU as hex bytes, or - to read stdin") }
        let text: String
        if words == ["-"] {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            text = words.joined(separator: " ")
        }
        let configuration = try configurationFile.map(readConfiguration) ?? .bloodPressureStandard
        let description = try describe(bytes(text, what: "the APDU"), configuration: configuration)
        if context.json { return Output.json(description.json) }
        description.lines.forEach(Output.line)
    }

    private static func bytes(_ text: String, what: String) throws(CommandFailure) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try Hex.parse(text)
        } catch {
            throw CommandFailure(.usage, "\(what): \(error)")
        }
        guard !bytes.isEmpty else { throw CommandFailure(.usage, "\(what) has no bytes") }
        return bytes
    }

    private static func describe(_ bytes: [UInt8], configuration: Configuration) throws(CommandFailure)
        -> APDUDescription
    {
        do {
            return try APDUDescription(APDU.decode(bytes), configuration: configuration)
        } catch {
            throw CommandFailure(
                .failed, "rejected: \(error)", hint: error.isTruncation ? "the capture may be cut short" : nil)
        }
    }

    /// A configuration from a file holding a captured configuration report (an MDC_NOTI_CONFIG event
    /// report APDU) as hex.
    private static func readConfiguration(_ path: String) throws(CommandFailure) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(.usage, "cannot read the configuration file \(path)")
        }
        let bytes = try bytes(String(decoding: data, as: UTF8.self), what: path)
        do {
            let apdu = try APDU.decode(bytes)
            guard case .presentation(let data) = apdu, case .eventReport(let argument, _) = data.message,
                case .configuration(let report) = argument.info
            else {
                throw CommandFailure(
                    .usage, "\(path) holds a \(apdu.name), not a configuration report (MDC_NOTI_CONFIG event report)")
            }
            return try Configuration(report: report)
        } catch let error as IEEE11073Error {
            throw CommandFailure(.failed, "configuration report in \(path) rejected: \(error)")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(.failed, "configuration report in \(path) rejected: \(error)")
        }
    }
}
