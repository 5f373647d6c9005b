/// The argument of an event report (ROIV event report): who reports, when, what kind, and the report.
public struct EventReportArgument: Sendable, Hashable {
    /// The decoded event info.
    public enum Info: Sendable, Hashable {
        case configuration(ConfigReport)
        case scan(ScanReport)
        /// An event type this manager does not interpret, kept as bytes.
        case other([UInt8])
    }

    public var objectHandle: UInt16
    /// RelativeTime in 1/8 ms; 0xFFFFFFFF when the agent gives none.
    public var eventTime: UInt32
    public var eventType: UInt16
    public var info: Info

    public init(objectHandle: UInt16, eventTime: UInt32, eventType: UInt16, info: Info) {
        self.objectHandle = objectHandle
        self.eventTime = eventTime
        self.eventType = eventType
        self.info = info
    }

    static func read(_ reader: inout MDERReader) throws(IEEE11073Error) -> EventReportArgument {
        let handle = try reader.u16("obj-handle")
        let time = try reader.u32("event-time")
        let type = try reader.u16("event-type")
        var body = try reader.lengthPrefixed("event-info")
        let info: Info
        if type == Nomenclature.notiConfig {
            info = .configuration(try ConfigReport.read(&body))
        } else if let format = ScanReport.Format(eventType: type) {
            info = .scan(try ScanReport.read(&body, format: format))
        } else {
            info = .other(body.rest())
        }
        try reader.finish()
        return EventReportArgument(objectHandle: handle, eventTime: time, eventType: type, info: info)
    }

    func write(to writer: inout MDERWriter) {
        writer.u16(objectHandle)
        writer.u32(eventTime)
        writer.u16(eventType)
        writer.lengthPrefixed { writer in
            switch info {
            case .configuration(let report): report.write(to: &writer)
            case .scan(let report): report.write(to: &writer)
            case .other(let bytes): writer.raw(bytes)
            }
        }
    }
}

/// The result of a confirmed event report (RORS): the manager's acknowledgement.
public struct EventReportResult: Sendable, Hashable {
    public enum Reply: Sendable, Hashable {
        case configuration(ConfigReportResponse)
        /// Empty for scan reports.
        case other([UInt8])
    }

    public var objectHandle: UInt16
    public var currentTime: UInt32
    public var eventType: UInt16
    public var reply: Reply

    public init(objectHandle: UInt16, currentTime: UInt32, eventType: UInt16, reply: Reply) {
        self.objectHandle = objectHandle
        self.currentTime = currentTime
        self.eventType = eventType
        self.reply = reply
    }

    static func read(_ reader: inout MDERReader) throws(IEEE11073Error) -> EventReportResult {
        let handle = try reader.u16("obj-handle")
        let time = try reader.u32("current-time")
        let type = try reader.u16("event-type")
        var body = try reader.lengthPrefixed("event-reply-info")
        let reply: Reply =
            type == Nomenclature.notiConfig
            ? .configuration(try ConfigReportResponse.read(&body)) : .other(body.rest())
        try reader.finish()
        return EventReportResult(objectHandle: handle, currentTime: time, eventType: type, reply: reply)
    }

    func write(to writer: inout MDERWriter) {
        writer.u16(objectHandle)
        writer.u32(currentTime)
        writer.u16(eventType)
        writer.lengthPrefixed { writer in
            switch reply {
            case .configuration(let response):
                writer.u16(response.reportID)
                writer.u16(response.result.rawValue)
            case .other(let bytes): writer.raw(bytes)
            }
        }
    }
}
