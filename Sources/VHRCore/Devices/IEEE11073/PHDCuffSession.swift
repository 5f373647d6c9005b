import Foundation

/// One IEEE 11073-20601/10407 blood-pressure cuff over one transport connection, as a pure value: the
/// driver hands it what happened on the wire and the time, and does what the `Output` says (send these
/// bytes, arm these timers, deliver these events, log these problems, persist these configurations).
///
/// It joins the pieces a cuff needs: `APDUFramer` cuts the byte stream into APDUs, `ManagerStateMachine`
/// runs the association (invoke-ids, configurations, timeouts) and `PHDReadingAssembler` turns readings
/// into the room's `BloodPressureReading`s. It emits the same `CuffEvent`s as the simulated cuff:
/// `.connected`, `.completed`, `.failed` and `.disconnected`; never `.started`, because a PHD monitor
/// only speaks after it has measured (the patient pressed its button).
///
/// Failures: an association that ends abnormally before any reading was delivered (the agent vanished,
/// aborted, stopped answering or sent bytes that do not decode) yields one `.failed`, so the kiosk can
/// ask the patient to measure again. A normal release without readings (the monitor only had old
/// memory to send) yields none.
///
/// Bytes that are not an APDU (an unknown choice in a header), an APDU above `maximumAPDUSize`, or an APDU
/// that stops half way for `reassemblyTimeout` are dropped whole with a problem saying which, and an
/// association in progress is aborted, as the standard asks: nothing is ever half-decoded and no partial
/// buffer outlives the next timer.
public struct PHDCuffSession: Sendable {
    /// The timers a session runs: the state machine's two and the reassembly guard.
    public enum Timer: Sendable, Hashable {
        /// TO_config: the agent must send its configuration report.
        case configuration
        /// TO_release: the agent must answer the manager's release request.
        case release
        /// A partial APDU must be completed by further bytes.
        case reassembly
    }

    /// What the driver does with its timers.
    public enum TimerCommand: Sendable, Equatable {
        /// Call `expireTimers(at:wallClock:)` once the monotonic clock reaches `deadline`.
        case arm(Timer, deadline: Duration)
        case cancel(Timer)
    }

    /// A configuration the agent taught the manager: persist it and pass it back as `knownConfigurations`.
    public struct LearnedConfiguration: Sendable, Equatable {
        public var systemID: [UInt8]
        public var configuration: Configuration

        public init(systemID: [UInt8], configuration: Configuration) {
            self.systemID = systemID
            self.configuration = configuration
        }
    }

    /// What one step asks of the driver, in order within each list.
    public struct Output: Sendable, Equatable {
        /// Whole APDUs to send, each in one `send`.
        public var send: [[UInt8]] = []
        public var timers: [TimerCommand] = []
        public var events: [CuffEvent] = []
        /// Things a technician should see in the log as warnings.
        public var problems: [String] = []
        /// Normal happenings worth an info line (association, configuration, release).
        public var notices: [String] = []
        public var learned: [LearnedConfiguration] = []
        /// Stored readings of an earlier patient (dated before `visitStart`): log them, never record them.
        public var previous: [BloodPressureReading] = []

        public init() {}
    }

    /// How a session behaves; the defaults are the standard's and a careful manager's.
    public struct Settings: Sendable, Equatable {
        /// The manager's own 8-byte system id (EUI-64), sent in every AARE.
        public var managerSystemID: [UInt8]
        public var timeouts: ManagerStateMachine.Timeouts
        /// The zone the agent's local clock is read in (the room's).
        public var timeZone: TimeZone
        /// The largest APDU accepted, header included. 10407 agents send at most 896 bytes; the margin
        /// covers extended configurations.
        public var maximumAPDUSize: Int
        /// How long a partial APDU may wait for its remaining bytes.
        public var reassemblyTimeout: Duration
        /// How far ahead of the room's clock an agent's clock may be before it is distrusted, in seconds.
        public var maximumClockLead: TimeInterval

        public init(
            managerSystemID: [UInt8], timeouts: ManagerStateMachine.Timeouts = .init(), timeZone: TimeZone = .current,
            maximumAPDUSize: Int = 8192, reassemblyTimeout: Duration = .seconds(3), maximumClockLead: TimeInterval = 600
        ) {
            self.managerSystemID = managerSystemID
            self.timeouts = timeouts
            self.timeZone = timeZone
            self.maximumAPDUSize = maximumAPDUSize
            self.reassemblyTimeout = reassemblyTimeout
            self.maximumClockLead = maximumClockLead
        }
    }

    public let settings: Settings
    private var machine: ManagerStateMachine
    private var framer: APDUFramer
    private var assembler: PHDReadingAssembler
    /// Armed timers and their deadlines on the driver's monotonic clock.
    public private(set) var deadlines: [Timer: Duration] = [:]
    /// The first bytes (up to two) of the partial APDU in the framer, to check its choice early.
    private var partialHead: [UInt8] = []
    private var deliveredThisAssociation = false
    /// The associated agent's own identity, stamped on every reading it delivers.
    private var agent: DeviceSource?
    private var linkUp = false

    /// - Parameters:
    ///   - settings: Identity, timeouts, time zone and limits.
    ///   - knownConfigurations: Extended configurations learned earlier, per system id and config id.
    ///   - visitStart: Readings dated before it are an earlier patient's; nil accepts all.
    public init(
        settings: Settings, knownConfigurations: [[UInt8]: [UInt16: Configuration]] = [:], visitStart: Date? = nil
    ) {
        self.settings = settings
        machine = ManagerStateMachine(
            managerSystemID: settings.managerSystemID, timeouts: settings.timeouts,
            knownConfigurations: knownConfigurations)
        framer = APDUFramer(limit: max(APDU.headerSize, settings.maximumAPDUSize))
        assembler = PHDReadingAssembler(
            timeZone: settings.timeZone, cutoff: visitStart, maximumClockLead: settings.maximumClockLead)
    }

    /// The association's state.
    public var state: ManagerStateMachine.State { machine.state }

    /// True while an association is up (the manager should release it before closing the link).
    public var isAssociated: Bool {
        machine.state == .waitingForConfiguration || machine.state == .operating
    }

    /// Every configuration learned so far, including those passed in.
    public var knownConfigurations: [[UInt8]: [UInt16: Configuration]] { machine.knownConfigurations }

    /// The earliest armed deadline: the driver must not wait past it.
    public var nextDeadline: Duration? { deadlines.values.min() }

    /// Readings dated before this belong to an earlier patient; set at each visit's start.
    public var visitStart: Date? {
        get { assembler.cutoff }
        set { assembler.cutoff = newValue }
    }

    // MARK: - Inputs

    /// The link is open.
    public mutating func connected() -> Output {
        var output = Output()
        guard !linkUp else { return output }
        linkUp = true
        apply(machine.handle(.connected), now: .zero, wallClock: nil, cause: nil, into: &output)
        output.events.append(.connected)
        return output
    }

    /// Bytes arrived, at `now` on the monotonic clock and `wallClock` by the room's clock.
    public mutating func received(_ bytes: [UInt8], at now: Duration, wallClock: Date) -> Output {
        var output = Output()
        guard linkUp, !bytes.isEmpty else { return output }
        // A header that is not an APDU choice is caught before its "length" can hold the framer hostage.
        if partialHead.count < 2, !rejectGarbage(Array((partialHead + bytes).prefix(2)), now, wallClock, &output) {
            return output
        }
        let frames: [[UInt8]]
        do {
            frames = try framer.append(bytes)
        } catch {
            output.problems.append("\(error)")
            overflow(now: now, wallClock: wallClock, into: &output)
            return output
        }
        trackPartial(after: bytes)
        for frame in frames {
            handle(frame: frame, now: now, wallClock: wallClock, into: &output)
        }
        if partialHead.count == 2 {
            _ = rejectGarbage(partialHead, now, wallClock, &output)
        }
        updateReassemblyTimer(now: now, into: &output)
        return output
    }

    /// Fires every timer whose deadline is at or before `now`.
    public mutating func expireTimers(at now: Duration, wallClock: Date) -> Output {
        var output = Output()
        let due = deadlines.filter { $0.value <= now }.map(\.key).sorted { "\($0)" < "\($1)" }
        for timer in due where deadlines[timer] != nil {
            deadlines[timer] = nil
            switch timer {
            case .reassembly:
                let pending = framer.pending
                output.problems.append(
                    "an APDU stopped after \(pending) bytes and nothing followed for \(settings.reassemblyTimeout); "
                        + "dropped")
                dropPartial(into: &output)
                let error = IEEE11073Error(
                    field: "APDU", offset: pending, kind: .truncated(needed: pending + 1, available: pending))
                apply(
                    machine.handle(.receivedMalformed(error)), now: now, wallClock: wallClock, cause: .timedOut,
                    into: &output)
            case .configuration:
                apply(
                    machine.handle(.timerExpired(.configuration)), now: now, wallClock: wallClock, cause: .timedOut,
                    into: &output)
            case .release:
                output.problems.append("the device did not answer the release request in time; aborted")
                apply(
                    machine.handle(.timerExpired(.release)), now: now, wallClock: wallClock, cause: nil, into: &output)
            }
        }
        return output
    }

    /// The manager wants the association to end (shutdown): sends RLRQ and arms TO_release.
    public mutating func releaseRequested(at now: Duration) -> Output {
        var output = Output()
        apply(machine.handle(.releaseRequested), now: now, wallClock: nil, cause: nil, into: &output)
        return output
    }

    /// The link went away: ends any association and forgets partial bytes, so the next connection
    /// starts clean.
    public mutating func disconnected(wallClock: Date) -> Output {
        var output = Output()
        guard linkUp else { return output }
        linkUp = false
        dropPartial(into: &output)
        apply(machine.handle(.disconnected), now: .zero, wallClock: wallClock, cause: .disconnected, into: &output)
        for timer in deadlines.keys.sorted(by: { "\($0)" < "\($1)" }) {
            output.timers.append(.cancel(timer))
        }
        deadlines.removeAll()
        output.events.append(.disconnected)
        return output
    }

    // MARK: - Steps

    private mutating func handle(frame: [UInt8], now: Duration, wallClock: Date, into output: inout Output) {
        let apdu: APDU
        do {
            apdu = try APDU.decode(frame)
        } catch {
            apply(
                machine.handle(.receivedMalformed(error)), now: now, wallClock: wallClock, cause: .timedOut,
                into: &output)
            return
        }
        let cause: CuffFailure? =
            switch apdu {
            case .abort: .aborted
            case .releaseRequest, .releaseResponse: nil
            default: .timedOut
            }
        if case .abort(let reason) = apdu, isAssociated {
            output.problems.append("the device aborted the association (reason \(reason))")
        }
        apply(machine.handle(.received(apdu)), now: now, wallClock: wallClock, cause: cause, into: &output)
    }

    /// Drops the partial input when `head` (two bytes) is not an APDU choice; false when dropped.
    private mutating func rejectGarbage(_ head: [UInt8], _ now: Duration, _ wallClock: Date, _ output: inout Output)
        -> Bool
    {
        guard head.count == 2, !Self.isChoice(head) else { return true }
        output.problems.append(
            "bytes \(Hex.string(head, separator: " ")) are not an IEEE 11073 APDU header (expected E2 00 to E7 00); "
                + "the input is dropped up to the next read")
        let error = IEEE11073Error(
            field: "APDU.choice", offset: 0, kind: .unknownChoice(UInt16(head[0]) << 8 | UInt16(head[1])))
        dropPartial(into: &output)
        apply(
            machine.handle(.receivedMalformed(error)), now: now, wallClock: wallClock, cause: .timedOut, into: &output)
        return false
    }

    /// An APDU larger than the limit: the stream cannot be resynchronised, so the partial bytes go and the
    /// association is aborted with reason buffer-overflow.
    private mutating func overflow(now: Duration, wallClock: Date, into output: inout Output) {
        dropPartial(into: &output)
        guard isAssociated || machine.state == .disassociating else { return }
        output.send.append(APDU.abort(reason: APDU.abortBufferOverflow).encode())
        // The machine has no overflow event; an abort ends its association exactly as sending one does.
        apply(
            machine.handle(.received(.abort(reason: APDU.abortBufferOverflow))), now: now, wallClock: wallClock,
            cause: .timedOut, into: &output)
    }

    /// Applies the state machine's actions; `cause` is the failure reported if they end an association
    /// that delivered nothing.
    private mutating func apply(
        _ actions: [ManagerStateMachine.Action], now: Duration, wallClock: Date?, cause: CuffFailure?,
        into output: inout Output
    ) {
        for action in actions {
            switch action {
            case .send(let apdu):
                output.send.append(apdu.encode())
                // After an abort the agent starts over: stale partial bytes must not prefix its next AARQ.
                if case .abort = apdu { dropPartial(into: &output) }
            case .startTimer(let timer, let duration):
                let mine = Self.timer(timer)
                deadlines[mine] = now + duration
                output.timers.append(.arm(mine, deadline: now + duration))
            case .stopTimer(let timer):
                let mine = Self.timer(timer)
                if deadlines.removeValue(forKey: mine) != nil { output.timers.append(.cancel(mine)) }
            case .readings(let readings, let systemID):
                agent = Self.source(systemID: systemID)
                let assembled = assembler.add(readings, receivedAt: wallClock ?? Date(timeIntervalSince1970: 0))
                take(assembled, into: &output)
            case .associated(let systemID, let configuration):
                deliveredThisAssociation = false
                agent = Self.source(systemID: systemID)
                output.notices.append(
                    "associated with device \(Hex.string(systemID)), configuration 0x\(Hex.word(configuration.id))")
            case .configurationLearned(let systemID, let configuration):
                output.learned.append(LearnedConfiguration(systemID: systemID, configuration: configuration))
                output.notices.append(
                    "learned configuration 0x\(Hex.word(configuration.id)) of device \(Hex.string(systemID))")
            case .disassociated:
                take(assembler.finish(), into: &output)
                if !deliveredThisAssociation, let cause {
                    output.events.append(.failed(cause))
                }
                deliveredThisAssociation = false
                output.notices.append("association ended")
            case .problem(let text):
                output.problems.append(text)
            }
        }
    }

    private mutating func take(_ assembled: PHDReadingAssembler.Output, into output: inout Output) {
        for var reading in assembled.readings {
            reading.source = agent
            output.events.append(.completed(reading))
            deliveredThisAssociation = true
        }
        for var reading in assembled.previous {
            reading.source = agent
            output.previous.append(reading)
            output.problems.append(
                "stored reading \(reading.systolic)/\(reading.diastolic) mmHg pulse \(reading.pulse) from "
                    + "\(reading.measuredAt) is older than this visit (an earlier patient's); not recorded")
        }
        output.problems += assembled.problems
    }

    private mutating func dropPartial(into output: inout Output) {
        framer.reset()
        partialHead = []
        if deadlines.removeValue(forKey: .reassembly) != nil { output.timers.append(.cancel(.reassembly)) }
    }

    /// Keeps `partialHead` equal to the first bytes of what the framer holds after appending `bytes`.
    private mutating func trackPartial(after bytes: [UInt8]) {
        let pending = framer.pending
        if pending == 0 {
            partialHead = []
        } else if pending <= bytes.count {
            partialHead = Array(bytes[(bytes.count - pending)...].prefix(2))
        } else if partialHead.count < 2 {
            // The partial began in earlier input whose first byte we hold; the rest of the head is here.
            partialHead = Array((partialHead + bytes).prefix(2))
        }
    }

    private mutating func updateReassemblyTimer(now: Duration, into output: inout Output) {
        if framer.pending > 0 {
            let deadline = now + settings.reassemblyTimeout
            deadlines[.reassembly] = deadline
            output.timers.append(.arm(.reassembly, deadline: deadline))
        } else if deadlines.removeValue(forKey: .reassembly) != nil {
            output.timers.append(.cancel(.reassembly))
        }
    }

    private static func isChoice(_ head: [UInt8]) -> Bool {
        (0xE2...0xE7).contains(head[0]) && head[1] == 0
    }

    /// The agent's identity from its AARQ. The system id is the only one it gives without being
    /// asked: model, serial and firmware are MDS attributes, which only a GET the manager never
    /// sends would fetch (the recorded sessions hold vhr to the APDUs it sends today).
    private static func source(systemID: [UInt8]) -> DeviceSource? {
        systemID.isEmpty ? nil : DeviceSource(systemID: systemID)
    }

    private static func timer(_ timer: ManagerStateMachine.Timer) -> Timer {
        switch timer {
        case .configuration: .configuration
        case .release: .release
        }
    }
}
