import Testing
import VHRCore

@Suite struct APDUTests {
    @Test func theVectorFilesAreAllThere() {
        #expect(BPVectors.apdus.count == 33)
        #expect(
            BPVectors.malformed.map(\.id).sorted() == [
                "antidote.H221_ID_02BC.config_MALFORMED", "antidote.scan_report_info_var_MALFORMED",
            ])
    }

    @Test(arguments: BPVectors.wellFormed)
    func decodesEveryWellFormedVector(_ vector: BPVectors.Vector) throws {
        let apdu = try APDU.decode(vector.bytes)
        let expected = vector.expected
        #expect(apdu.name == expected["apdu"]?.stringValue)
        #expect(APDU.totalLength(header: vector.bytes) == BPVectors.number(expected["total_bytes"]))
        switch apdu {
        case .associationRequest(let request):
            #expect(request.associationVersion == 0x8000_0000)
            let phd = try #require(request.phd)
            #expect(Int(phd.deviceConfigurationID) == BPVectors.number(expected["assoc"]?["devConfigId"]))
            #expect(Hex.string(phd.systemID) == expected["assoc"]?["systemId"]?.stringValue)
            #expect(Int(phd.encodingRules) == BPVectors.number(expected["assoc"]?["encodingRules"]))
            #expect(Int(phd.functionalUnits) == BPVectors.number(expected["assoc"]?["functionalUnits"]))
            #expect(Int(phd.dataRequestModeFlags) == BPVectors.number(expected["assoc"]?["dataReqModeFlags"]))
        case .associationResponse(let response):
            #expect(Int(response.result.rawValue) == BPVectors.number(expected["result"]))
            guard case .phd(let phd) = response.information else { Issue.record("no 20601 information"); return }
            #expect(Hex.string(phd.systemID) == expected["assoc"]?["systemId"]?.stringValue)
        case .releaseRequest(let reason), .releaseResponse(let reason), .abort(let reason):
            #expect(Int(reason) == BPVectors.number(expected["reason"]))
        case .presentation(let data):
            #expect(Int(data.invokeID) == BPVectors.number(expected["invokeId"]))
            #expect(data.message.name == expected["message"]?.stringValue)
            try checkPresentation(data.message, expected)
        }
        // Re-encoding gives back the same bytes: nothing was dropped or invented.
        #expect(apdu.encode() == vector.bytes)
    }

    private func checkPresentation(_ message: DataAPDU.Message, _ expected: JSONValue) throws {
        switch message {
        case .eventReport(let argument, _):
            #expect(Nomenclature.eventName(argument.eventType) == expected["eventType"]?.stringValue)
            #expect(Int(argument.eventTime) == BPVectors.number(expected["eventTime"]))
            switch argument.info {
            case .configuration(let report):
                #expect(Int(report.reportID) == BPVectors.number(expected["configReport"]?["configReportId"]))
                let objects = expected["configReport"]?["objects"]?.arrayValue ?? []
                #expect(report.objects.map { Int($0.handle) } == objects.map { BPVectors.number($0["handle"]) })
                #expect(report.objects.map { Int($0.objectClass) } == objects.map { BPVectors.number($0["class"]) })
            case .scan(let report):
                #expect(Int(report.dataRequestID) == BPVectors.number(expected["scanReport"]?["dataReqId"]))
                #expect(Int(report.reportNumber) == BPVectors.number(expected["scanReport"]?["scanReportNo"]))
                let observations = expected["scanReport"]?["observations"]?.arrayValue ?? []
                #expect(
                    report.groups.flatMap(\.observations).map { Int($0.handle) }
                        == observations.map { BPVectors.number($0["handle"]) })
            case .other: Issue.record("event info not decoded")
            }
        case .eventReportResult(let result):
            #expect(Int(result.currentTime) == BPVectors.number(expected["currentTime"]))
            if case .configuration(let response) = result.reply {
                #expect(Int(response.reportID) == BPVectors.number(expected["eventReplyInfo"]?["configReportId"]))
                #expect(response.result.name == expected["eventReplyInfo"]?["configResult"]?.stringValue)
            } else {
                #expect(expected["eventReplyInfo"]?.stringValue == "")
            }
        case .get(let handle, let ids):
            #expect(Int(handle) == BPVectors.number(expected["objHandle"]))
            #expect(ids.isEmpty == (expected["attributeIdList"]?.arrayValue?.isEmpty ?? false))
        case .getResult(_, let attributes):
            let systemID = try #require(attributes.first { $0.id == Nomenclature.attrSysID })
            #expect(
                Hex.string(Array(systemID.value.dropFirst(2)))
                    == expected["attributes"]?["MDC_ATTR_SYS_ID"]?.stringValue)
            let time = try #require(attributes.first { $0.id == Nomenclature.attrTimeAbsolute })
            #expect(
                try AbsoluteTime(bytes: time.value).description
                    == expected["attributes"]?["MDC_ATTR_TIME_ABS"]?["iso"]?.stringValue)
        case .action(_, let type, let arguments, _):
            #expect(Int(type) == BPVectors.number(expected["actionType"]))
            #expect(Hex.string(arguments) == expected["actionInfo"]?.stringValue)
        default:
            Issue.record("unexpected message \(message.name)")
        }
    }

    @Test(arguments: BPVectors.malformed)
    func rejectsTheMalformedVectors(_ vector: BPVectors.Vector) {
        #expect(throws: IEEE11073Error.self) { try APDU.decode(vector.bytes) }
    }

    @Test func namesTheFieldOffsetAndSizesOfALengthMismatch() {
        let vector = BPVectors.vector("antidote.H221_ID_02BC.config_MALFORMED")
        #expect(
            throws: IEEE11073Error(field: "APDU.length", offset: 2, kind: .lengthMismatch(declared: 148, actual: 154))
        ) {
            try APDU.decode(vector.bytes)
        }
        let variable = BPVectors.vector("antidote.scan_report_info_var_MALFORMED")
        #expect(throws: IEEE11073Error(field: "APDU.PRST.DataApdu", offset: 66, kind: .trailingBytes(count: 20))) {
            try APDU.decode(variable.bytes)
        }
    }

    @Test func theMislabelledVectorsDecodeAsWhatTheirBytesSay() throws {
        #expect(try APDU.decode(BPVectors.vector("antidote.bp.rlre_MISLABELED").bytes) == .abort(reason: 2))
        guard
            case .associationResponse(let response) = try APDU.decode(
                BPVectors.vector("antidote.bp.aare_accept_known_conf").bytes)
        else { Issue.record("not an AARE"); return }
        #expect(response.result == .acceptedUnknownConfiguration)
    }

    @Test(arguments: BPVectors.wellFormed)
    func everyPrefixIsATruncation(_ vector: BPVectors.Vector) {
        for length in 0..<vector.bytes.count {
            do {
                let apdu = try APDU.decode(Array(vector.bytes.prefix(length)))
                Issue.record("prefix of \(length) bytes decoded as \(apdu.name)")
            } catch {
                #expect(error.isTruncation, "prefix \(length): \(error)")
            }
        }
    }

    @Test(arguments: BPVectors.wellFormed)
    func randomByteFlipsNeverCrash(_ vector: BPVectors.Vector) {
        var random = SeededRandom(seed: UInt64(vector.bytes.count))
        var rejected = 0
        for _ in 0..<300 {
            var bytes = vector.bytes
            for _ in 0..<Int(1 + random.next() % 3) {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
            }
            do {
                // Whatever decodes must re-encode to the same bytes: nothing half-decoded.
                let apdu = try APDU.decode(bytes)
                #expect(apdu.encode() == bytes)
                _ = try? BloodPressureDecoder(configuration: .bloodPressureStandard).readings(from: apdu)
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }

    @Test func totalLengthNeedsTheWholeHeader() {
        #expect(APDU.totalLength(header: [0xE6, 0x00, 0x00]) == nil)
        #expect(APDU.totalLength(header: [0xE6, 0x00, 0x01, 0x02]) == 262)
    }

    @Test func rejectsAnUnknownChoice() {
        #expect(throws: IEEE11073Error(field: "APDU.choice", offset: 0, kind: .unknownChoice(0xE800))) {
            try APDU.decode([0xE8, 0x00, 0x00, 0x02, 0x00, 0x00])
        }
    }
}
