/// The DataApdu inside a PRST: an invoke-id and one remote operation (invoke, result, error or reject).
///
/// Responses carry the invoke-id of the request they answer, verbatim; agents pick their own ranges
/// (0x1236, 0x1000+), so the manager never renumbers.
public struct DataAPDU: Sendable, Hashable {
    /// One attribute change in a SET.
    public struct Modification: Sendable, Hashable {
        public var modifyOperator: UInt16
        public var attribute: Attribute

        public init(modifyOperator: UInt16, attribute: Attribute) {
            self.modifyOperator = modifyOperator
            self.attribute = attribute
        }
    }

    public enum Message: Sendable, Hashable {
        /// roiv-cmip-event-report (0x0100) or roiv-cmip-confirmed-event-report (0x0101).
        case eventReport(EventReportArgument, confirmed: Bool)
        /// roiv-cmip-get (0x0103); an empty id list asks for every attribute.
        case get(objectHandle: UInt16, attributeIDs: [UInt16])
        /// roiv-cmip-set (0x0104) or roiv-cmip-confirmed-set (0x0105).
        case set(objectHandle: UInt16, modifications: [Modification], confirmed: Bool)
        /// roiv-cmip-action (0x0106) or roiv-cmip-confirmed-action (0x0107).
        case action(objectHandle: UInt16, actionType: UInt16, arguments: [UInt8], confirmed: Bool)
        /// rors-cmip-confirmed-event-report (0x0201).
        case eventReportResult(EventReportResult)
        /// rors-cmip-get (0x0203).
        case getResult(objectHandle: UInt16, attributes: [Attribute])
        /// rors-cmip-confirmed-set (0x0205).
        case setResult(objectHandle: UInt16, attributes: [Attribute])
        /// rors-cmip-confirmed-action (0x0207).
        case actionResult(objectHandle: UInt16, actionType: UInt16, result: [UInt8])
        /// roer (0x0300): error-value and its parameter bytes.
        case error(value: UInt16, parameter: [UInt8])
        /// rorj (0x0400): the reject problem.
        case reject(problem: UInt16)

        /// The CHOICE tag on the wire.
        public var choice: UInt16 {
            switch self {
            case .eventReport(_, let confirmed): confirmed ? 0x0101 : 0x0100
            case .get: 0x0103
            case .set(_, _, let confirmed): confirmed ? 0x0105 : 0x0104
            case .action(_, _, _, let confirmed): confirmed ? 0x0107 : 0x0106
            case .eventReportResult: 0x0201
            case .getResult: 0x0203
            case .setResult: 0x0205
            case .actionResult: 0x0207
            case .error: 0x0300
            case .reject: 0x0400
            }
        }

        /// The standard's name for the message (`roiv-cmip-confirmed-event-report`).
        public var name: String {
            switch self {
            case .eventReport(_, let confirmed):
                confirmed ? "roiv-cmip-confirmed-event-report" : "roiv-cmip-event-report"
            case .get: "roiv-cmip-get"
            case .set(_, _, let confirmed): confirmed ? "roiv-cmip-confirmed-set" : "roiv-cmip-set"
            case .action(_, _, _, let confirmed): confirmed ? "roiv-cmip-confirmed-action" : "roiv-cmip-action"
            case .eventReportResult: "rors-cmip-confirmed-event-report"
            case .getResult: "rors-cmip-get"
            case .setResult: "rors-cmip-confirmed-set"
            case .actionResult: "rors-cmip-confirmed-action"
            case .error: "roer"
            case .reject: "rorj"
            }
        }
    }

    public var invokeID: UInt16
    public var message: Message

    public init(invokeID: UInt16, message: Message) {
        self.invokeID = invokeID
        self.message = message
    }

    /// Reads a DataApdu that must fill `reader` exactly.
    static func read(_ reader: inout MDERReader) throws(IEEE11073Error) -> DataAPDU {
        let invokeID = try reader.u16("invoke-id")
        let choiceOffset = reader.offset
        let choice = try reader.u16("message.choice")
        var body = try reader.lengthPrefixed("message")
        try reader.finish()
        let message: Message
        switch choice {
        case 0x0100, 0x0101:
            message = .eventReport(try EventReportArgument.read(&body), confirmed: choice == 0x0101)
        case 0x0103:
            let handle = try body.u16("obj-handle")
            let ids = try body.sequence("attribute-id-list") { (list: inout MDERReader) throws(IEEE11073Error) in
                try list.u16("attribute-id")
            }
            message = .get(objectHandle: handle, attributeIDs: ids)
        case 0x0104, 0x0105:
            let handle = try body.u16("obj-handle")
            let modifications = try body.sequence("modification-list") {
                (list: inout MDERReader) throws(IEEE11073Error) in
                let modifyOperator = try list.u16("modify-operator")
                let id = try list.u16("attribute-id")
                return Modification(
                    modifyOperator: modifyOperator,
                    attribute: Attribute(id: id, value: try list.octetString("attribute-value")))
            }
            message = .set(objectHandle: handle, modifications: modifications, confirmed: choice == 0x0105)
        case 0x0106, 0x0107:
            let handle = try body.u16("obj-handle")
            let type = try body.u16("action-type")
            let arguments = try body.octetString("action-info-args")
            message = .action(objectHandle: handle, actionType: type, arguments: arguments, confirmed: choice == 0x0107)
        case 0x0201:
            message = .eventReportResult(try EventReportResult.read(&body))
        case 0x0203, 0x0205:
            let handle = try body.u16("obj-handle")
            let attributes = try Attribute.readList(&body, "attribute-list")
            message =
                choice == 0x0203
                ? .getResult(objectHandle: handle, attributes: attributes)
                : .setResult(objectHandle: handle, attributes: attributes)
        case 0x0207:
            let handle = try body.u16("obj-handle")
            let type = try body.u16("action-type")
            message = .actionResult(objectHandle: handle, actionType: type, result: try body.octetString("action-info"))
        case 0x0300:
            let value = try body.u16("error-value")
            message = .error(value: value, parameter: try body.octetString("parameter"))
        case 0x0400:
            message = .reject(problem: try body.u16("problem"))
        default:
            throw reader.error("message.choice", .unknownChoice(choice), at: choiceOffset)
        }
        try body.finish()
        return DataAPDU(invokeID: invokeID, message: message)
    }

    func write(to writer: inout MDERWriter) {
        writer.u16(invokeID)
        writer.u16(message.choice)
        writer.lengthPrefixed { writer in
            switch message {
            case .eventReport(let argument, _): argument.write(to: &writer)
            case .get(let handle, let ids):
                writer.u16(handle)
                writer.sequence(ids) { writer, id in writer.u16(id) }
            case .set(let handle, let modifications, _):
                writer.u16(handle)
                writer.sequence(modifications) { writer, modification in
                    writer.u16(modification.modifyOperator)
                    writer.u16(modification.attribute.id)
                    writer.octetString(modification.attribute.value)
                }
            case .action(let handle, let type, let bytes, _), .actionResult(let handle, let type, let bytes):
                writer.u16(handle)
                writer.u16(type)
                writer.octetString(bytes)
            case .eventReportResult(let result): result.write(to: &writer)
            case .getResult(let handle, let attributes), .setResult(let handle, let attributes):
                writer.u16(handle)
                Attribute.writeList(attributes, to: &writer)
            case .error(let value, let parameter):
                writer.u16(value)
                writer.octetString(parameter)
            case .reject(let problem): writer.u16(problem)
            }
        }
    }
}
