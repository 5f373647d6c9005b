/// A technician's capture of Omron HEM-7xxx bytes, decoded for `vhrctl decode omron`.
///
/// By default the layout is guessed: a 9-byte `02 08 …` frame is a HEM-7322U command;
/// otherwise the bytes are HEM-790IT HID reports (whole 8-byte reports, or reports printed
/// with only their data bytes), or failing that one bare message, which must be a command or a
/// reply. Stored records have no marker, so they need ``Layout/reading``, ``Layout/weekly`` or
/// ``Layout/eepromRecords``.
public enum OmronCapture: Sendable, Equatable {
    case command(OmronCommand)
    case reply(OmronReply, interpretation: Interpretation)
    case eepromCommand(OmronEEPROMCommand)
    case storedReading(OmronStoredReading)
    case weeklyAverage(OmronWeeklyAverage)
    /// HEM-7322U records, unused slots left out.
    case eepromRecords([OmronEEPROMRecord], slots: Int)

    /// What an "OK" reply's data is, told by its length.
    public enum Interpretation: Sendable, Equatable {
        case storedReading(OmronStoredReading)
        case weeklyAverage(OmronWeeklyAverage)
        case readingCount(Int)
        case text(String)
        case bytes
    }

    /// How to read the bytes.
    public enum Layout: String, Sendable, CaseIterable {
        case auto
        /// HEM-790IT HID reports carrying a command or reply.
        case reports
        /// One HEM-790IT command or reply with no report framing.
        case message
        /// A 14-byte HEM-790IT stored reading (GME data with its checksum).
        case reading
        /// A 9-byte HEM-790IT weekly average (GMA/GEA data with its checksum).
        case weekly
        /// A 9-byte HEM-7131U/7322U command frame.
        case eepromCommand = "eeprom-command"
        /// HEM-7131U/7322U EEPROM records, 14 bytes each.
        case eepromRecords = "eeprom-records"
    }

    /// Decodes `bytes` read as `layout`.
    public init(bytes: [UInt8], as layout: Layout = .auto) throws(OmronError) {
        switch layout {
        case .auto:
            if bytes.count == OmronEEPROMCommand.frameLength, bytes.starts(with: [0x02, 0x08]) {
                self = .eepromCommand(try OmronEEPROMCommand(frame: bytes))
            } else {
                do {
                    self = try Self.message(try OmronHIDReport.message(from: try OmronHIDReport.split(bytes)))
                } catch {
                    // A first byte of 1...7 is a report count: report the framing problem, not a guess.
                    guard case .badReport = error, let first = bytes.first, !(1...7).contains(first) else {
                        throw error
                    }
                    self = try Self.message(bytes)
                }
            }
        case .reports: self = try Self.message(try OmronHIDReport.message(from: try OmronHIDReport.split(bytes)))
        case .message: self = try Self.message(bytes)
        case .reading: self = .storedReading(try OmronStoredReading(record: bytes))
        case .weekly: self = .weeklyAverage(try OmronWeeklyAverage(record: bytes))
        case .eepromCommand: self = .eepromCommand(try OmronEEPROMCommand(frame: bytes))
        case .eepromRecords:
            self = .eepromRecords(try OmronEEPROMRecord.decodeAll(bytes), slots: bytes.count / OmronEEPROMRecord.length)
        }
    }

    private static func message(_ message: [UInt8]) throws(OmronError) -> OmronCapture {
        let isReply = ["OK", "NO", "OFF"].contains { message.starts(with: $0.utf8) }
        guard isReply else { return .command(try OmronCommand(bytes: message)) }
        let reply = try OmronReply(message: message)
        return .reply(reply, interpretation: try interpret(reply))
    }

    private static func interpret(_ reply: OmronReply) throws(OmronError) -> Interpretation {
        guard case .ok(_, let data) = reply, let record = reply.record else { return .bytes }
        switch record.count {
        case OmronStoredReading.length: return .storedReading(try OmronStoredReading(record: record))
        case OmronWeeklyAverage.length: return .weeklyAverage(try OmronWeeklyAverage(record: record))
        case 5: return .readingCount(reply.readingCount ?? 0)
        default:
            let printable = !data.isEmpty && data.allSatisfy { (0x20..<0x7F).contains($0) }
            return printable ? .text(String(decoding: data, as: UTF8.self)) : .bytes
        }
    }

    /// The capture as JSON: `{"protocol": "omron", ...}`.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["protocol": "omron"]
        switch self {
        case .command(let command):
            object["family"] = "HEM-790IT"
            object["type"] = "command"
            object["hex"] = .string(OmronHex.bytes(command.bytes))
            object["description"] = .string(command.description)
        case .reply(let reply, let interpretation):
            object["family"] = "HEM-790IT"
            object["type"] = "reply"
            switch reply {
            case .notReady:
                object["reply"] = "NO"
                object["meaning"] = "device not ready; send the same command again"
            case .off:
                object["reply"] = "OFF"
                object["meaning"] = "session ended; the device is turning off"
            case .ok(let status, let data):
                object["reply"] = "OK"
                object["status"] = .int(Int64(status))
                object["data"] = .string(OmronHex.bytes(data))
                switch interpretation {
                case .storedReading(let reading): object["reading"] = reading.json
                case .weeklyAverage(let average): object["weeklyAverage"] = average.json
                case .readingCount(let count): object["readingCount"] = .int(Int64(count))
                case .text(let text): object["text"] = .string(text)
                case .bytes: break
                }
            }
        case .eepromCommand(let command):
            object["family"] = "HEM-7322U"
            object["type"] = "command"
            object["hex"] = .string(OmronHex.bytes(command.bytes))
            object["description"] = .string(command.description)
        case .storedReading(let reading):
            object["family"] = "HEM-790IT"
            object["type"] = "reading"
            object["reading"] = reading.json
        case .weeklyAverage(let average):
            object["family"] = "HEM-790IT"
            object["type"] = "weeklyAverage"
            object["weeklyAverage"] = average.json
        case .eepromRecords(let records, let slots):
            object["family"] = "HEM-7322U"
            object["type"] = "records"
            object["slots"] = .int(Int64(slots))
            object["readings"] = .array(records.map(\.json))
        }
        return .object(object)
    }

    /// The capture for a person.
    public var lines: [String] {
        switch self {
        case .command(let command):
            return ["HEM-790IT command \(OmronHex.bytes(command.bytes)): \(command.description)"]
        case .reply(.notReady, _): return ["HEM-790IT reply NO: device not ready; send the same command again"]
        case .reply(.off, _): return ["HEM-790IT reply OFF: session ended; the device is turning off"]
        case .reply(.ok(let status, let data), let interpretation):
            var lines = ["HEM-790IT reply OK (status \(status), checksum good), data \(OmronHex.bytes(data))"]
            switch interpretation {
            case .storedReading(let reading): lines.append("  " + reading.summary)
            case .weeklyAverage(let average): lines.append("  " + average.summary)
            case .readingCount(let count): lines.append("  \(count) stored readings")
            case .text(let text): lines.append("  text \"\(text)\"")
            case .bytes: break
            }
            return lines
        case .eepromCommand(let command):
            return ["HEM-7322U command \(OmronHex.bytes(command.bytes)): \(command.description)"]
        case .storedReading(let reading): return ["HEM-790IT stored reading: " + reading.summary]
        case .weeklyAverage(let average): return ["HEM-790IT weekly average: " + average.summary]
        case .eepromRecords(let records, let slots):
            return ["HEM-7322U records: \(records.count) readings in \(slots) slots"]
                + records.map { "  " + $0.summary }
        }
    }
}

/// "2007-01-03 00:06:51" from fields, without time zones: Omron clocks are local and zone-less.
enum OmronTimestamp {
    static func text(_ year: Int, _ month: Int, _ day: Int, _ time: [Int]) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = "\(year)-\(two(month))-\(two(day))"
        return time.isEmpty ? date : date + " " + time.map(two).joined(separator: ":")
    }
}

extension OmronStoredReading {
    var json: JSONValue {
        [
            "time": .string(OmronTimestamp.text(year, month, day, [hour, minute, second])),
            "systolic": .int(Int64(systolic)), "diastolic": .int(Int64(diastolic)), "pulse": .int(Int64(pulse)),
            "unit": "mmHg", "flags": .int(Int64(flags)),
            "truReadPosition": truReadPosition.map { .int(Int64($0)) } ?? .null,
        ]
    }

    var summary: String {
        "\(OmronTimestamp.text(year, month, day, [hour, minute, second])) (device clock)"
            + "  \(systolic)/\(diastolic) mmHg  pulse \(pulse)/min"
            + (truReadPosition.map { "  TruRead \($0) of 3" } ?? "")
    }
}

extension OmronWeeklyAverage {
    var json: JSONValue {
        [
            "weekStart": .string(OmronTimestamp.text(year, month, day, [])),
            "systolic": systolic.map { .int(Int64($0)) } ?? .null,
            "diastolic": diastolic.map { .int(Int64($0)) } ?? .null,
            "pulse": pulse.map { .int(Int64($0)) } ?? .null, "unit": "mmHg",
        ]
    }

    var summary: String {
        guard let systolic, let diastolic, let pulse else {
            return "week of \(OmronTimestamp.text(year, month, day, [])): no readings"
        }
        return "week of \(OmronTimestamp.text(year, month, day, [])): \(systolic)/\(diastolic) mmHg  pulse \(pulse)/min"
    }
}

extension OmronEEPROMRecord {
    var json: JSONValue {
        [
            "time": .string(OmronTimestamp.text(year, month, day, [hour, minute])),
            "systolic": .int(Int64(systolic)), "diastolic": .int(Int64(diastolic)), "pulse": .int(Int64(pulse)),
            "unit": "mmHg",
        ]
    }

    var summary: String {
        "\(OmronTimestamp.text(year, month, day, [hour, minute])) (device clock)"
            + "  \(systolic)/\(diastolic) mmHg  pulse \(pulse)/min"
    }
}
