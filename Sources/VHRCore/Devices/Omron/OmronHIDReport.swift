/// The HEM-790IT family's 8-byte HID reports: byte 0 counts the data bytes that follow (1...7),
/// the rest is padding. Longer messages span several reports.
public enum OmronHIDReport {
    /// Every report on the wire is this long.
    public static let size = 8
    /// Data bytes one report can carry.
    public static let capacity = 7

    /// The reports that carry `message`, each padded with zeros to 8 bytes.
    public static func reports(for message: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: message.count, by: capacity).map { start in
            let chunk = message[start..<min(start + capacity, message.count)]
            return [UInt8(chunk.count)] + chunk + [UInt8](repeating: 0, count: capacity - chunk.count)
        }
    }

    /// The message carried by `reports`, each holding its count byte and at least that many bytes.
    public static func message(from reports: [[UInt8]]) throws(OmronError) -> [UInt8] {
        var message: [UInt8] = []
        for (index, report) in reports.enumerated() {
            guard let count = report.first, (1...capacity).contains(Int(count)), report.count > Int(count) else {
                throw .badReport(index: index, count: report.first ?? 0, available: max(0, report.count - 1))
            }
            message += report[1...Int(count)]
        }
        return message
    }

    /// Splits a capture into reports. Reports written back to back with only their data bytes (how
    /// protocol notes print them) are tried first, since whole 8-byte reports rarely parse that way
    /// (their padding is not a chain of valid counts) and, when every report is full, both read
    /// the same; then whole 8-byte reports.
    public static func split(_ capture: [UInt8]) throws(OmronError) -> [[UInt8]] {
        var reports: [[UInt8]] = []
        var offset = 0
        while offset < capture.count {
            let count = Int(capture[offset])
            let available = capture.count - offset - 1
            guard (1...capacity).contains(count), available >= count else {
                if let padded = wholeReports(capture) { return padded }
                throw .badReport(index: reports.count, count: capture[offset], available: min(available, capacity))
            }
            reports.append(Array(capture[offset...(offset + count)]))
            offset += count + 1
        }
        return reports
    }

    private static func wholeReports(_ capture: [UInt8]) -> [[UInt8]]? {
        guard !capture.isEmpty, capture.count % size == 0 else { return nil }
        let reports = stride(from: 0, to: capture.count, by: size).map { Array(capture[$0..<($0 + size)]) }
        return reports.allSatisfy({ (1...capacity).contains(Int($0[0])) }) ? reports : nil
    }
}
