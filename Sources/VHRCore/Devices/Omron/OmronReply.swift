/// A reply from a HEM-790IT-family device, after its reports are joined into one message.
public enum OmronReply: Sendable, Equatable {
    /// "OK", a status byte, data, and an XOR checksum over status, data and checksum.
    case ok(status: UInt8, data: [UInt8])
    /// "NO": the device was not ready; send the same command again.
    case notReady
    /// "OFF\r\n": the answer to END; the device is turning off.
    case off

    /// Decodes a whole reply message, verifying the checksum of an "OK" reply.
    public init(message: [UInt8]) throws(OmronError) {
        if message == Array("NO".utf8) {
            self = .notReady
        } else if message == Array("OFF\r\n".utf8) {
            self = .off
        } else if message.starts(with: "OK".utf8) {
            guard message.count >= 4 else {
                throw .wrongLength(what: "the OK reply", expected: "at least 4", actual: message.count)
            }
            try OmronChecksum.verify(message[2...], what: "the OK reply")
            self = .ok(status: message[2], data: Array(message[3..<(message.count - 1)]))
        } else {
            throw .unrecognized(message)
        }
    }

    /// The data with its checksum byte, as stored records are laid out (their checksum is the reply's).
    public var record: [UInt8]? {
        guard case .ok(let status, let data) = self else { return nil }
        return data + [OmronChecksum.xor([status] + data)]
    }

    /// The reading count in a GDC reply (data byte 3, as libomron reads it).
    public var readingCount: Int? {
        guard case .ok(_, let data) = self, data.count == 4 else { return nil }
        return Int(data[3])
    }
}

/// Joins the reports of one reply as they arrive, knowing how long the reply to a command is.
public struct OmronReplyAssembler: Sendable {
    private let expectedLength: Int
    private var reports: [[UInt8]] = []
    private var message: [UInt8] = []

    /// An assembler for the reply to `command`.
    public init(for command: OmronCommand) {
        expectedLength = command.replyLength
    }

    /// Adds one input report; returns the reply once it is complete ("NO" completes it early).
    public mutating func append(report: [UInt8]) throws(OmronError) -> OmronReply? {
        reports.append(report)
        let part = try OmronHIDReport.message(from: [report])
        message += part
        if message == Array("NO".utf8) { return .notReady }
        guard message.count >= expectedLength else { return nil }
        guard message.count == expectedLength else {
            throw .wrongLength(what: "the reply", expected: "\(expectedLength)", actual: message.count)
        }
        return try OmronReply(message: message)
    }
}
