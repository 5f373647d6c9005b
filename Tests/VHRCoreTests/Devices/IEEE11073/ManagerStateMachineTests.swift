import Testing
import VHRCore

@Suite struct ManagerStateMachineTests {
    static let managerID: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    static let timeouts = ManagerStateMachine.Timeouts(configuration: .milliseconds(250), release: .milliseconds(50))

    static func apdu(_ id: String) -> APDU {
        guard let apdu = try? APDU.decode(BPVectors.vector(id).bytes) else { fatalError("vector \(id)") }
        return apdu
    }

    static func connectedMachine(known: [[UInt8]: [UInt16: Configuration]] = [:]) -> ManagerStateMachine {
        var machine = ManagerStateMachine(managerSystemID: managerID, timeouts: timeouts, knownConfigurations: known)
        #expect(machine.handle(.connected).isEmpty)
        #expect(machine.state == .unassociated)
        return machine
    }

    static func sent(_ actions: [ManagerStateMachine.Action]) -> [APDU] {
        actions.compactMap { action in
            if case .send(let apdu) = action { return apdu }
            return nil
        }
    }

    static func readings(_ actions: [ManagerStateMachine.Action]) -> [PHDReading] {
        actions.flatMap { action -> [PHDReading] in
            if case .readings(let readings, _) = action { return readings }
            return []
        }
    }

    static func associationResult(_ actions: [ManagerStateMachine.Action]) -> AssociationResult? {
        for case .associationResponse(let response) in sent(actions) { return response.result }
        return nil
    }

    @Test func aStandardConfigurationGoesStraightToOperatingAndEchoesInvokeIDs() throws {
        var machine = Self.connectedMachine()
        let association = machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))
        #expect(Self.associationResult(association) == .accepted)
        #expect(machine.state == .operating)
        // The manager's AARE matches the Antidote example byte for byte, apart from the result.
        let aare = try #require(Self.sent(association).first)
        #expect(aare == Self.apdu("antidote.rx_aare_example_one").withManagerID(Self.managerID))

        let actions = machine.handle(.received(Self.apdu("antidote.H241_ID_02BC.bp_measurement")))
        guard case .presentation(let reply) = try #require(Self.sent(actions).first) else {
            Issue.record("no reply"); return
        }
        #expect(reply.invokeID == 0x0054)
        guard case .eventReportResult(let result) = reply.message else { Issue.record("not a result"); return }
        #expect(result.eventType == Nomenclature.notiScanReportFixed && result.reply == .other([]))
        #expect(Self.readings(actions).count == 2)
    }

    @Test func anExtendedConfigurationIsLearnedAndRememberedForTheNextAssociation() throws {
        var machine = Self.connectedMachine()
        let association = machine.handle(.received(Self.apdu("antidote.bp.aarq")))
        #expect(Self.associationResult(association) == .acceptedUnknownConfiguration)
        #expect(association.contains(.startTimer(.configuration, .milliseconds(250))))
        #expect(machine.state == .waitingForConfiguration)

        let configured = machine.handle(.received(Self.apdu("antidote.bp.roiv_mdc_noti_config")))
        #expect(configured.contains(.stopTimer(.configuration)))
        // The reply is byte for byte Antidote's, except currentTime which implementations disagree on.
        let reply = try #require(Self.sent(configured).first)
        #expect(reply.encode()[0..<14] == BPVectors.vector("antidote.bp.rors_accepted_config").bytes[0..<14])
        #expect(reply.encode()[18...] == BPVectors.vector("antidote.bp.rors_accepted_config").bytes[18...])
        #expect(machine.state == .operating)
        let systemID = BPVectors.bytes("00 22 09 22 58 08 03 cc")
        #expect(machine.knownConfigurations[systemID]?[0x4000]?.objects.count == 3)

        let readings = Self.readings(
            machine.handle(.received(Self.apdu("antidote.bp.roiv_mds_note_scan_report_mp_fixed"))))
        #expect(readings.map(\.personID) == [66, 66, 66])

        #expect(Self.sent(machine.handle(.received(Self.apdu("antidote.bp.rlrq")))) == [.releaseResponse(reason: 0)])
        #expect(machine.state == .unassociated)

        // Next time (even in a new machine that was handed the persisted table) no configuration exchange.
        var next = Self.connectedMachine(known: machine.knownConfigurations)
        #expect(Self.associationResult(next.handle(.received(Self.apdu("antidote.bp.aarq")))) == .accepted)
        #expect(next.state == .operating)
    }

    @Test func theConfigurationTimeoutAborts() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("freescale.bpm.aarq")))
        let actions = machine.handle(.timerExpired(.configuration))
        #expect(Self.sent(actions) == [.abort(reason: APDU.abortConfigurationTimeout)])
        #expect(actions.contains(.disassociated))
        #expect(machine.state == .unassociated)
    }

    @Test func freescalesMismatchedReportIDIsAcceptedAndStoredUnderTheAARQsID() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("freescale.bpm.aarq")))
        let actions = machine.handle(.received(Self.apdu("freescale.bpm.config_report")))
        guard case .presentation(let reply) = Self.sent(actions).first,
            case .eventReportResult(let result) = reply.message
        else { Issue.record("no reply"); return }
        #expect(reply.invokeID == 0x0002)
        #expect(result.reply == .configuration(ConfigReportResponse(reportID: 0x02BC, result: .accepted)))
        #expect(machine.knownConfigurations[BPVectors.bytes("4c 4e 49 41 47 45 4e 54")]?[0x4000] != nil)
        let readings = Self.readings(machine.handle(.received(Self.apdu("freescale.bpm.measurement"))))
        #expect(readings.map(\.handle) == [1, 2])
    }

    @Test func anUnsupportedConfigurationIsRefusedAndTheManagerKeepsWaiting() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("freescale.bpm.aarq")))
        let report = ConfigReport(
            reportID: 0x4000, objects: [ConfigReport.Object(objectClass: 6, handle: 1, attributes: [])])
        let argument = EventReportArgument(
            objectHandle: 0, eventTime: 0, eventType: Nomenclature.notiConfig, info: .configuration(report))
        let actions = machine.handle(
            .received(.presentation(DataAPDU(invokeID: 7, message: .eventReport(argument, confirmed: true)))))
        guard case .presentation(let reply) = Self.sent(actions).first,
            case .eventReportResult(let result) = reply.message
        else {
            Issue.record("no reply"); return
        }
        #expect(result.reply == .configuration(ConfigReportResponse(reportID: 0x4000, result: .unsupported)))
        #expect(machine.state == .waitingForConfiguration)
    }

    @Test func resentStoredReadingsAreReportedOnce() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))
        let measurement = Self.apdu("antidote.H241_ID_02BC.bp_measurement")
        #expect(Self.readings(machine.handle(.received(measurement))).count == 2)
        let again = machine.handle(.received(measurement))
        #expect(Self.readings(again).isEmpty)
        #expect(Self.sent(again).count == 1)  // still acknowledged
        _ = machine.handle(.received(.releaseRequest(reason: 0)))
        _ = machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))
        #expect(Self.readings(machine.handle(.received(measurement))).isEmpty)
    }

    @Test func aLocalReleaseWaitsForRLREOrTimesOut() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))
        let release = machine.handle(.releaseRequested)
        #expect(release == [.send(.releaseRequest(reason: 0)), .startTimer(.release, .milliseconds(50))])
        #expect(machine.state == .disassociating)
        #expect(machine.handle(.received(Self.apdu("freescale.bpm.rlre"))) == [.stopTimer(.release), .disassociated])
        #expect(machine.state == .unassociated)

        _ = machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))
        _ = machine.handle(.releaseRequested)
        #expect(Self.sent(machine.handle(.timerExpired(.release))) == [.abort(reason: APDU.abortResponseTimeout)])
        #expect(machine.state == .unassociated)
    }

    @Test func unassociatedAnswersStrayMessagesWithAnAbort() {
        var machine = Self.connectedMachine()
        #expect(Self.sent(machine.handle(.received(Self.apdu("antidote.bp.rlrq")))) == [.abort(reason: 0)])
        #expect(machine.handle(.received(Self.apdu("antidote.rx_rlre_normal"))).isEmpty)
        #expect(machine.handle(.received(Self.apdu("antidote.rx_abrt_undefined"))).isEmpty)
        #expect(machine.state == .unassociated)
    }

    @Test func rejectsAnAssociationWithoutMDER() {
        guard case .associationRequest(var request) = Self.apdu("antidote.bp.aarq"),
            case .phd(var phd) = request.dataProtocols[0].information
        else { Issue.record("not an AARQ"); return }
        phd.encodingRules = 0x4000
        request.dataProtocols[0].information = .phd(phd)
        var machine = Self.connectedMachine()
        #expect(
            Self.associationResult(machine.handle(.received(.associationRequest(request))))
                == .rejectedNoCommonParameter)
        #expect(machine.state == .unassociated)
        // Protocol version bits beyond version 1 are fine.
        phd.encodingRules = 0xA000
        phd.protocolVersion = 0xC000_0000
        request.dataProtocols[0].information = .phd(phd)
        #expect(
            Self.associationResult(machine.handle(.received(.associationRequest(request))))
                == .acceptedUnknownConfiguration)
    }

    @Test func aScanReportBeforeTheConfigurationIsAnError() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("antidote.bp.aarq")))
        let actions = machine.handle(.received(Self.apdu("antidote.H241_ID_02BC.bp_measurement")))
        guard case .presentation(let reply) = Self.sent(actions).first else { Issue.record("no reply"); return }
        #expect(reply.invokeID == 0x0054)
        #expect(reply.message == .error(value: 23, parameter: []))
        #expect(machine.state == .waitingForConfiguration)
    }

    @Test func malformedInputAbortsAnAssociationAndUnplugLeavesNothingBehind() throws {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("antidote.bp.aarq")))
        let error = IEEE11073Error(field: "APDU.length", offset: 2, kind: .lengthMismatch(declared: 1, actual: 2))
        let actions = machine.handle(.receivedMalformed(error))
        #expect(Self.sent(actions) == [.abort(reason: 0)])
        #expect(actions.contains(.stopTimer(.configuration)))
        #expect(machine.state == .unassociated)

        _ = machine.handle(.received(Self.apdu("antidote.bp.aarq")))
        #expect(machine.handle(.disconnected) == [.stopTimer(.configuration), .disassociated])
        #expect(machine.state == .disconnected)
        #expect(machine.handle(.received(Self.apdu("antidote.bp.aarq"))).isEmpty)
        #expect(machine.configuration == nil)
    }

    @Test func aSecondAARQWhileAssociatedAborts() {
        var machine = Self.connectedMachine()
        _ = machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))
        #expect(Self.sent(machine.handle(.received(Self.apdu("antidote.H211_ID_02BC.aarq")))) == [.abort(reason: 0)])
        #expect(machine.state == .unassociated)
    }
}

extension APDU {
    /// The same AARE with another manager system id.
    fileprivate func withManagerID(_ id: [UInt8]) -> APDU {
        guard case .associationResponse(var response) = self, case .phd(var phd) = response.information else {
            return self
        }
        phd.systemID = id
        response.information = .phd(phd)
        return .associationResponse(response)
    }
}
