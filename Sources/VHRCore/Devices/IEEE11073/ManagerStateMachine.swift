/// The IEEE 11073-20601 manager state machine for one agent connection, as a pure value: events in,
/// actions out. The caller owns the transport and the timers and persists learned configurations.
///
/// States follow the standard's manager table (disconnected, unassociated, waiting for config, operating,
/// disassociating). Checking a configuration is done within the event that delivers it, so "checking
/// config" is never observable between events. Replies echo the agent's invoke-id verbatim.
public struct ManagerStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        case disconnected
        case unassociated
        case waitingForConfiguration
        case operating
        case disassociating
    }

    /// The two timers the manager runs.
    public enum Timer: Sendable, Equatable {
        /// TO_config: the agent must send its configuration report.
        case configuration
        /// TO_release: the agent must answer a release request.
        case release
    }

    /// The standard's timeouts, injected so tests and odd devices can change them.
    public struct Timeouts: Sendable, Equatable {
        public var configuration: Duration
        public var release: Duration

        public init(configuration: Duration = .seconds(10), release: Duration = .seconds(3)) {
            self.configuration = configuration
            self.release = release
        }
    }

    public enum Event: Sendable, Equatable {
        /// The transport is up (USB device claimed, serial port open).
        case connected
        /// The transport went away; no message can be sent any more.
        case disconnected
        /// A whole APDU arrived.
        case received(APDU)
        /// Bytes arrived that do not decode: the association cannot be trusted any more.
        case receivedMalformed(IEEE11073Error)
        case timerExpired(Timer)
        /// The manager wants to end the association (shutdown, end of visit).
        case releaseRequested
    }

    public enum Action: Sendable, Equatable {
        case send(APDU)
        case startTimer(Timer, Duration)
        case stopTimer(Timer)
        /// New readings (already deduplicated).
        case readings([PHDReading], systemID: [UInt8])
        /// The agent is associated and its configuration known.
        case associated(systemID: [UInt8], configuration: Configuration)
        /// An extended configuration was learned: persist `knownConfigurations`.
        case configurationLearned(systemID: [UInt8], configuration: Configuration)
        /// The association ended (release, abort, timeout or disconnect).
        case disassociated
        /// Something the agent did that a technician may want to see in the log.
        case problem(String)
    }

    public private(set) var state: State = .disconnected
    /// Extended configurations learned per device system id, keyed by dev-config-id; the caller persists
    /// it and hands it back to the next machine.
    public var knownConfigurations: [[UInt8]: [UInt16: Configuration]]
    public let managerSystemID: [UInt8]
    public let timeouts: Timeouts
    public private(set) var deduplicator = ReadingDeduplicator()
    /// The associated agent's system id and the configuration its reports are decoded with.
    public private(set) var systemID: [UInt8] = []
    public private(set) var configuration: Configuration?
    private var requestedConfigurationID: UInt16 = 0

    public init(
        managerSystemID: [UInt8], timeouts: Timeouts = Timeouts(),
        knownConfigurations: [[UInt8]: [UInt16: Configuration]] = [:]
    ) {
        self.managerSystemID = managerSystemID
        self.timeouts = timeouts
        self.knownConfigurations = knownConfigurations
    }

    /// Advances the machine by one event.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .connected:
            guard state == .disconnected else { return [] }
            state = .unassociated
            return []
        case .disconnected:
            let wasAssociated = isAssociated
            let timers = stopTimers()
            state = .disconnected
            return timers + (wasAssociated ? [.disassociated] : [])
        case .receivedMalformed(let error):
            guard state != .disconnected else { return [] }
            guard isAssociated else { return [.problem("malformed APDU: \(error)")] }
            return [.problem("malformed APDU: \(error)")] + abort(reason: APDU.abortUndefined)
        case .timerExpired(let timer):
            switch (state, timer) {
            case (.waitingForConfiguration, .configuration):
                return [.problem("no configuration report in time")] + abort(reason: APDU.abortConfigurationTimeout)
            case (.disassociating, .release):
                return abort(reason: APDU.abortResponseTimeout)
            default:
                return []
            }
        case .releaseRequested:
            guard state == .waitingForConfiguration || state == .operating else { return [] }
            let timers = stopTimers()
            state = .disassociating
            return timers + [.send(.releaseRequest(reason: 0)), .startTimer(.release, timeouts.release)]
        case .received(let apdu):
            return receive(apdu)
        }
    }

    private var isAssociated: Bool {
        state == .waitingForConfiguration || state == .operating || state == .disassociating
    }

    private func stopTimers() -> [Action] {
        switch state {
        case .waitingForConfiguration: [.stopTimer(.configuration)]
        case .disassociating: [.stopTimer(.release)]
        default: []
        }
    }

    private mutating func endAssociation() -> [Action] {
        let timers = stopTimers()
        state = .unassociated
        configuration = nil
        return timers + [.disassociated]
    }

    private mutating func abort(reason: UInt16) -> [Action] {
        [.send(.abort(reason: reason))] + endAssociation()
    }

    private mutating func receive(_ apdu: APDU) -> [Action] {
        switch state {
        case .disconnected:
            return []
        case .unassociated:
            switch apdu {
            case .associationRequest(let request): return associate(request)
            case .releaseResponse, .abort: return []
            default: return [.send(.abort(reason: APDU.abortUndefined))]
            }
        case .waitingForConfiguration, .operating, .disassociating:
            switch apdu {
            case .associationRequest, .associationResponse:
                return abort(reason: APDU.abortUndefined)
            case .releaseRequest:
                if state == .disassociating { return [.send(.releaseResponse(reason: 0))] }
                return [.send(.releaseResponse(reason: 0))] + endAssociation()
            case .releaseResponse:
                return state == .disassociating ? endAssociation() : abort(reason: APDU.abortUndefined)
            case .abort:
                return endAssociation()
            case .presentation(let data):
                return present(data)
            }
        }
    }

    private mutating func associate(_ request: AssociationRequest) -> [Action] {
        func answer(_ result: AssociationResult) -> Action {
            .send(
                .associationResponse(
                    AssociationResponse(
                        result: result, dataProtocolID: dataProtocol20601,
                        information: .phd(.manager(systemID: managerSystemID)))))
        }
        guard request.associationVersion & 0x8000_0000 != 0 else {
            return [answer(.rejectedUnsupportedAssociationVersion)]
        }
        guard let phd = request.phd else { return [answer(.rejectedNoCommonProtocol)] }
        // These are bit sets: version 1 and MDER must be among the agent's, more bits are fine.
        guard phd.protocolVersion & 0x8000_0000 != 0, phd.encodingRules & 0x8000 != 0,
            phd.nomenclatureVersion & 0x8000_0000 != 0
        else { return [answer(.rejectedNoCommonParameter)] }
        systemID = phd.systemID
        requestedConfigurationID = phd.deviceConfigurationID
        deduplicator.beginAssociation()
        if let known = Configuration.standard(id: phd.deviceConfigurationID)
            ?? knownConfigurations[phd.systemID]?[phd.deviceConfigurationID]
        {
            configuration = known
            state = .operating
            return [answer(.accepted), .associated(systemID: systemID, configuration: known)]
        }
        state = .waitingForConfiguration
        return [
            answer(.acceptedUnknownConfiguration), .startTimer(.configuration, timeouts.configuration),
        ]
    }

    private mutating func present(_ data: DataAPDU) -> [Action] {
        guard case .eventReport(let argument, let confirmed) = data.message else {
            // The manager sends no requests of its own, so results, errors and rejects answer nothing.
            if state == .operating, case .get = data.message {
                return [.send(.presentation(DataAPDU(invokeID: data.invokeID, message: .reject(problem: 101))))]
            }
            return [.problem("unexpected \(data.message.name) with invoke-id \(data.invokeID) ignored")]
        }
        guard state != .disassociating else { return [] }
        let reply = { (reply: EventReportResult.Reply) -> Action in
            .send(
                .presentation(
                    DataAPDU(
                        invokeID: data.invokeID,
                        message: .eventReportResult(
                            EventReportResult(
                                objectHandle: argument.objectHandle, currentTime: 0, eventType: argument.eventType,
                                reply: reply)))))
        }
        let rejection = { (value: UInt16) -> Action in
            .send(.presentation(DataAPDU(invokeID: data.invokeID, message: .error(value: value, parameter: []))))
        }
        switch (state, argument.info) {
        case (.waitingForConfiguration, .configuration(let report)):
            return configure(report, reply: reply)
        case (.waitingForConfiguration, _):
            // Before the configuration is known nothing else can be decoded.
            return confirmed ? [rejection(23)] : []
        case (.operating, .scan(let report)):
            guard let configuration else { return [] }
            do {
                let readings = try BloodPressureDecoder(configuration: configuration).readings(from: report)
                let fresh = deduplicator.admit(readings, systemID: systemID)
                return (confirmed ? [reply(.other([]))] : [])
                    + (fresh.isEmpty ? [] : [.readings(fresh, systemID: systemID)])
            } catch {
                return [.problem("scan report does not fit configuration 0x\(Hex.word(configuration.id)): \(error)")]
                    + (confirmed ? [rejection(23)] : [])
            }
        case (.operating, _):
            return confirmed ? [reply(.other([]))] : []
        default:
            return []
        }
    }

    private mutating func configure(_ report: ConfigReport, reply: (EventReportResult.Reply) -> Action) -> [Action] {
        let learned: Configuration
        do {
            learned = try Configuration(report: report)
        } catch {
            return [
                .problem("configuration report rejected: \(error)"),
                reply(.configuration(ConfigReportResponse(reportID: report.reportID, result: .unsupported))),
            ]
        }
        guard learned.supportsBloodPressure else {
            return [
                .problem("configuration 0x\(Hex.word(report.reportID)) has no blood-pressure or pulse object"),
                reply(.configuration(ConfigReportResponse(reportID: report.reportID, result: .unsupported))),
            ]
        }
        // Remembered under the id the agent's AARQ announced, which is what its next AARQ will carry
        // (some agents put a different id in the report itself).
        knownConfigurations[systemID, default: [:]][requestedConfigurationID] = learned
        configuration = learned
        state = .operating
        return [
            .stopTimer(.configuration),
            reply(.configuration(ConfigReportResponse(reportID: report.reportID, result: .accepted))),
            .configurationLearned(systemID: systemID, configuration: learned),
            .associated(systemID: systemID, configuration: learned),
        ]
    }
}
