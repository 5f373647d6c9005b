/// How a decoded APDU is shown to a technician: a JSON object for scripts and indented lines for people
/// (`vhrctl decode 11073`).
public struct APDUDescription: Sendable {
    public let apdu: APDU
    /// The readings of a scan report, decoded against the configuration given.
    public let readings: [PHDReading]

    /// Describes `apdu`; a scan report that does not fit `configuration` is rejected like a malformed APDU.
    public init(_ apdu: APDU, configuration: Configuration) throws(IEEE11073Error) {
        self.apdu = apdu
        self.readings = try BloodPressureDecoder(configuration: configuration).readings(from: apdu)
    }

    /// The APDU as JSON: `apdu`, `length`, and for PRST `invokeId`, `message`, the event and every reading.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["apdu": .string(apdu.name), "choice": .string("0x" + Hex.word(apdu.choice))]
        switch apdu {
        case .associationRequest(let request):
            object["assocVersion"] = .string("0x" + Hex.doubleWord(request.associationVersion))
            object["dataProtocols"] = .array(
                request.dataProtocols.map { offer in
                    var entry: [String: JSONValue] = ["id": .int(Int64(offer.id))]
                    if case .phd(let information) = offer.information { entry["assoc"] = Self.json(information) }
                    return .object(entry)
                })
        case .associationResponse(let response):
            object["result"] = .string(response.result.name)
            object["resultCode"] = .int(Int64(response.result.rawValue))
            object["dataProtoId"] = .int(Int64(response.dataProtocolID))
            if case .phd(let information) = response.information { object["assoc"] = Self.json(information) }
        case .releaseRequest(let reason), .releaseResponse(let reason), .abort(let reason):
            object["reason"] = .int(Int64(reason))
            object["reasonName"] = .string(Self.reasonName(apdu))
        case .presentation(let data):
            object["invokeId"] = .int(Int64(data.invokeID))
            object["message"] = .string(data.message.name)
            object.merge(Self.json(data.message)) { _, new in new }
            if !readings.isEmpty { object["readings"] = .array(readings.map(Self.json)) }
        }
        return .object(object)
    }

    /// The APDU for people, one fact per line.
    public var lines: [String] {
        var lines = ["\(apdu.name) (0x\(Hex.word(apdu.choice)))"]
        switch apdu {
        case .associationRequest(let request):
            if let phd = request.phd {
                lines.append(
                    "  system id \(Hex.string(phd.systemID)), configuration 0x\(Hex.word(phd.deviceConfigurationID))")
                lines.append(
                    "  protocol 0x\(Hex.doubleWord(phd.protocolVersion)), encoding 0x\(Hex.word(phd.encodingRules))")
            } else {
                lines.append("  no IEEE 11073-20601 data protocol offered")
            }
        case .associationResponse(let response):
            lines.append("  result \(response.result.rawValue) \(response.result.name)")
        case .releaseRequest(let reason), .releaseResponse(let reason), .abort(let reason):
            lines.append("  reason \(reason) \(Self.reasonName(apdu))")
        case .presentation(let data):
            lines.append("  invoke-id \(data.invokeID) (0x\(Hex.word(data.invokeID))), \(data.message.name)")
            switch data.message {
            case .eventReport(let argument, _):
                lines.append("  event \(Nomenclature.eventName(argument.eventType)) on handle \(argument.objectHandle)")
                if case .configuration(let report) = argument.info {
                    lines.append("  configuration 0x\(Hex.word(report.reportID)), \(report.objects.count) objects")
                    for object in report.objects {
                        lines.append("    handle \(object.handle) class \(object.objectClass)")
                    }
                }
            case .eventReportResult(let result):
                lines.append("  event \(Nomenclature.eventName(result.eventType))")
                if case .configuration(let response) = result.reply {
                    lines.append("  configuration 0x\(Hex.word(response.reportID)) \(response.result.name)")
                }
            case .error(let value, _): lines.append("  error-value \(value)")
            case .reject(let problem): lines.append("  problem \(problem)")
            default: break
            }
            for reading in readings {
                var text = "  handle \(reading.handle): "
                switch reading.kind {
                case .bloodPressure(let systolic, let diastolic, let mean):
                    text += "\(systolic)/\(diastolic) (mean \(mean))"
                case .pulseRate(let value): text += "pulse \(value)"
                case .other(_, let type, let values):
                    text += "\(Nomenclature.metricName(type)) " + values.map(\.description).joined(separator: ", ")
                }
                if let unit = reading.unit { text += " \(Nomenclature.unitName(unit))" }
                if let time = reading.time { text += " at \(time)" }
                if let person = reading.personID { text += " person \(person)" }
                lines.append(text)
            }
        }
        return lines
    }

    private static func reasonName(_ apdu: APDU) -> String {
        switch apdu {
        case .releaseRequest(let reason):
            ["normal", "no-more-configurations", "configuration-changed"].element(reason) ?? "unknown"
        case .releaseResponse(let reason): reason == 0 ? "normal" : "unknown"
        case .abort(let reason):
            ["undefined", "buffer-overflow", "response-timeout", "configuration-timeout"].element(reason) ?? "unknown"
        default: ""
        }
    }

    private static func json(_ information: AssociationInformation) -> JSONValue {
        [
            "protocolVersion": .string("0x" + Hex.doubleWord(information.protocolVersion)),
            "encodingRules": .string("0x" + Hex.word(information.encodingRules)),
            "systemType": .string("0x" + Hex.doubleWord(information.systemType)),
            "systemId": .string(Hex.string(information.systemID)),
            "devConfigId": .string("0x" + Hex.word(information.deviceConfigurationID)),
        ]
    }

    private static func json(_ message: DataAPDU.Message) -> [String: JSONValue] {
        switch message {
        case .eventReport(let argument, _):
            var object: [String: JSONValue] = [
                "objHandle": .int(Int64(argument.objectHandle)),
                "eventTime": .string("0x" + Hex.doubleWord(argument.eventTime)),
                "eventType": .string(Nomenclature.eventName(argument.eventType)),
            ]
            switch argument.info {
            case .configuration(let report):
                object["configReportId"] = .string("0x" + Hex.word(report.reportID))
                object["objects"] = .array(
                    report.objects.map { ["class": .int(Int64($0.objectClass)), "handle": .int(Int64($0.handle))] })
            case .scan(let report):
                object["dataReqId"] = .string("0x" + Hex.word(report.dataRequestID))
                object["scanReportNo"] = .int(Int64(report.reportNumber))
            case .other(let bytes):
                object["eventInfo"] = .string(Hex.string(bytes))
            }
            return object
        case .eventReportResult(let result):
            var object: [String: JSONValue] = [
                "objHandle": .int(Int64(result.objectHandle)),
                "currentTime": .string("0x" + Hex.doubleWord(result.currentTime)),
                "eventType": .string(Nomenclature.eventName(result.eventType)),
            ]
            if case .configuration(let response) = result.reply {
                object["configReportId"] = .string("0x" + Hex.word(response.reportID))
                object["configResult"] = .string(response.result.name)
            }
            return object
        case .get(let handle, let ids):
            return ["objHandle": .int(Int64(handle)), "attributeIds": .array(ids.map { .int(Int64($0)) })]
        case .getResult(let handle, let attributes), .setResult(let handle, let attributes):
            return [
                "objHandle": .int(Int64(handle)),
                "attributes": .array(
                    attributes.map {
                        ["id": .string(Nomenclature.attributeName($0.id)), "value": .string(Hex.string($0.value))]
                    }),
            ]
        case .set(let handle, let modifications, _):
            return ["objHandle": .int(Int64(handle)), "modifications": .int(Int64(modifications.count))]
        case .action(let handle, let type, let bytes, _), .actionResult(let handle, let type, let bytes):
            return [
                "objHandle": .int(Int64(handle)), "actionType": .string("0x" + Hex.word(type)),
                "actionInfo": .string(Hex.string(bytes)),
            ]
        case .error(let value, let parameter):
            return ["errorValue": .int(Int64(value)), "parameter": .string(Hex.string(parameter))]
        case .reject(let problem):
            return ["problem": .int(Int64(problem))]
        }
    }

    private static func json(_ reading: PHDReading) -> JSONValue {
        var object: [String: JSONValue] = ["handle": .int(Int64(reading.handle))]
        func number(_ value: NumericValue) -> JSONValue {
            value.double.map(JSONValue.double) ?? .string(value.description)
        }
        switch reading.kind {
        case .bloodPressure(let systolic, let diastolic, let mean):
            object["type"] = "bloodPressure"
            object["systolic"] = number(systolic)
            object["diastolic"] = number(diastolic)
            object["meanArterial"] = number(mean)
        case .pulseRate(let value):
            object["type"] = "pulseRate"
            object["pulse"] = number(value)
        case .other(let partition, let type, let values):
            object["type"] = .string(Nomenclature.metricName(type))
            object["partition"] = .int(Int64(partition))
            object["values"] = .array(values.map(number))
        }
        if let unit = reading.unit { object["unit"] = .string(Nomenclature.unitName(unit)) }
        if let person = reading.personID { object["personId"] = .int(Int64(person)) }
        if let status = reading.measurementStatus { object["measurementStatus"] = .string("0x" + Hex.word(status)) }
        if let time = reading.time {
            object["time"] = .string(time.description)
            if let problem = time.problem { object["timeProblem"] = .string(problem.rawValue) }
        }
        return .object(object)
    }
}

extension Array {
    fileprivate func element(_ index: UInt16) -> Element? {
        Int(index) < count ? self[Int(index)] : nil
    }
}
