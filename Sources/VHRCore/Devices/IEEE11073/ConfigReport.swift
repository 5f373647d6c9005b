/// MDC_NOTI_CONFIG's event info: an agent describes its objects (an extended configuration, or a standard
/// one spelled out).
public struct ConfigReport: Sendable, Hashable {
    /// One object of the configuration with its attributes, still encoded.
    public struct Object: Sendable, Hashable {
        public var objectClass: UInt16
        public var handle: UInt16
        public var attributes: [Attribute]

        public init(objectClass: UInt16, handle: UInt16, attributes: [Attribute]) {
            self.objectClass = objectClass
            self.handle = handle
            self.attributes = attributes
        }
    }

    public var reportID: UInt16
    public var objects: [Object]

    public init(reportID: UInt16, objects: [Object]) {
        self.reportID = reportID
        self.objects = objects
    }

    static func read(_ reader: inout MDERReader) throws(IEEE11073Error) -> ConfigReport {
        let reportID = try reader.u16("config-report-id")
        let objects = try reader.sequence("config-obj-list") { (list: inout MDERReader) throws(IEEE11073Error) in
            let objectClass = try list.u16("obj-class")
            let handle = try list.u16("obj-handle")
            return Object(
                objectClass: objectClass, handle: handle, attributes: try Attribute.readList(&list, "attributes"))
        }
        try reader.finish()
        return ConfigReport(reportID: reportID, objects: objects)
    }

    func write(to writer: inout MDERWriter) {
        writer.u16(reportID)
        writer.sequence(objects) { writer, object in
            writer.u16(object.objectClass)
            writer.u16(object.handle)
            Attribute.writeList(object.attributes, to: &writer)
        }
    }
}

/// The manager's answer to a configuration report.
public struct ConfigReportResponse: Sendable, Hashable {
    public enum Result: UInt16, Sendable, Hashable {
        case accepted = 0
        case unsupported = 1
        case standardConfigurationUnknown = 2

        public var name: String {
            switch self {
            case .accepted: "accepted-config"
            case .unsupported: "unsupported-config"
            case .standardConfigurationUnknown: "standard-config-unknown"
            }
        }
    }

    public var reportID: UInt16
    public var result: Result

    public init(reportID: UInt16, result: Result) {
        self.reportID = reportID
        self.result = result
    }

    static func read(_ reader: inout MDERReader) throws(IEEE11073Error) -> ConfigReportResponse {
        let reportID = try reader.u16("config-report-id")
        let start = reader.offset
        let raw = try reader.u16("config-result")
        guard let result = Result(rawValue: raw) else {
            throw reader.error("config-result", .invalidValue(expected: "0, 1 or 2", found: "\(raw)"), at: start)
        }
        try reader.finish()
        return ConfigReportResponse(reportID: reportID, result: result)
    }
}
