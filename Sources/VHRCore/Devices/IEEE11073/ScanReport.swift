/// A scan report's observations: the measurements an agent sends, still keyed by object handle.
///
/// Covers the four scan-report shapes BP cuffs use: fixed and variable format, single person or
/// multi-person (one group per person-id). Fixed-format observation bytes are interpreted later against
/// the configuration's value maps (`BloodPressureDecoder`).
public struct ScanReport: Sendable, Hashable {
    public enum Format: Sendable, Hashable, CaseIterable {
        case fixed, variable, multiPersonFixed, multiPersonVariable

        /// The MDC_NOTI_SCAN_REPORT_* event type that carries this format.
        public var eventType: UInt16 {
            switch self {
            case .fixed: Nomenclature.notiScanReportFixed
            case .variable: Nomenclature.notiScanReportVar
            case .multiPersonFixed: Nomenclature.notiScanReportMPFixed
            case .multiPersonVariable: Nomenclature.notiScanReportMPVar
            }
        }

        public init?(eventType: UInt16) {
            guard let format = Self.allCases.first(where: { $0.eventType == eventType }) else { return nil }
            self = format
        }

        var isMultiPerson: Bool { self == .multiPersonFixed || self == .multiPersonVariable }
        var isFixed: Bool { self == .fixed || self == .multiPersonFixed }
    }

    /// One observation of one object.
    public struct Observation: Sendable, Hashable {
        public enum Content: Sendable, Hashable {
            /// Fixed format: values laid out by the object's attribute value map.
            case fixed([UInt8])
            /// Variable format: an attribute list.
            case attributes([Attribute])
        }

        public var handle: UInt16
        public var content: Content

        public init(handle: UInt16, content: Content) {
            self.handle = handle
            self.content = content
        }
    }

    /// The observations of one person (person-id nil in single-person reports).
    public struct Group: Sendable, Hashable {
        public var personID: UInt16?
        public var observations: [Observation]

        public init(personID: UInt16?, observations: [Observation]) {
            self.personID = personID
            self.observations = observations
        }
    }

    public var format: Format
    public var dataRequestID: UInt16
    public var reportNumber: UInt16
    public var groups: [Group]

    public init(format: Format, dataRequestID: UInt16, reportNumber: UInt16, groups: [Group]) {
        self.format = format
        self.dataRequestID = dataRequestID
        self.reportNumber = reportNumber
        self.groups = groups
    }

    static func read(_ reader: inout MDERReader, format: Format) throws(IEEE11073Error) -> ScanReport {
        let dataRequestID = try reader.u16("data-req-id")
        let reportNumber = try reader.u16("scan-report-no")
        let groups: [Group]
        if format.isMultiPerson {
            groups = try reader.sequence("scan-per") { (list: inout MDERReader) throws(IEEE11073Error) in
                let person = try list.u16("person-id")
                return Group(personID: person, observations: try readObservations(&list, fixed: format.isFixed))
            }
        } else {
            groups = [Group(personID: nil, observations: try readObservations(&reader, fixed: format.isFixed))]
        }
        try reader.finish()
        return ScanReport(format: format, dataRequestID: dataRequestID, reportNumber: reportNumber, groups: groups)
    }

    private static func readObservations(_ reader: inout MDERReader, fixed: Bool) throws(IEEE11073Error)
        -> [Observation]
    {
        try reader.sequence("obs-scan") { (list: inout MDERReader) throws(IEEE11073Error) in
            let handle = try list.u16("obj-handle")
            if fixed { return Observation(handle: handle, content: .fixed(try list.octetString("obs-val-data"))) }
            return Observation(handle: handle, content: .attributes(try Attribute.readList(&list, "attributes")))
        }
    }

    func write(to writer: inout MDERWriter) {
        writer.u16(dataRequestID)
        writer.u16(reportNumber)
        if format.isMultiPerson {
            writer.sequence(groups) { writer, group in
                writer.u16(group.personID ?? 0)
                Self.write(group.observations, to: &writer)
            }
        } else {
            Self.write(groups.flatMap(\.observations), to: &writer)
        }
    }

    private static func write(_ observations: [Observation], to writer: inout MDERWriter) {
        writer.sequence(observations) { writer, observation in
            writer.u16(observation.handle)
            switch observation.content {
            case .fixed(let bytes): writer.octetString(bytes)
            case .attributes(let attributes): Attribute.writeList(attributes, to: &writer)
            }
        }
    }
}
