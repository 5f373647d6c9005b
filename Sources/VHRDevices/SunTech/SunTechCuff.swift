import Foundation
import Synchronization
import VHRCore
import VHRSystem

// The driver is one dedicated thread per `start`, the only caller of the link, so the module sees
// one conversation: command, answer, command. The async API only leaves requests in `state`
// (start, abort, stop) and waits on continuations the thread resumes; the thread picks requests
// up between link calls, each of which waits at most `idlePoll` or `responseTimeout`.
//
// A measurement on the wire (SunTech Advantage OEM interface):
//   host ':' start      → module '>' 'O'          (.started)
//   host ':' get cuff P → module '>' 5-byte frame  (.pressure), every pollInterval
//   …                   → module '>' 'K' (done) or 'E' (failed), by itself or to a poll
//   host ':' get result → module '>' 24-byte result (.completed, or .failed with its error code)
// Abort sends ':' abort (the module dumps the air) and reports .failed(.aborted).
//
// Events all come from the thread, so they are in order. The final event of a measurement is
// handed out after the cuff is marked idle, so a room that starts the next measurement on
// `.completed` never sees `.busy`.

/// A SunTech Advantage (or Advantage Mini) OEM NIBP module on a serial link: the room starts a
/// measurement, sees the live cuff pressure, and gets the result or the module's error mapped
/// to a ``CuffFailure`` (the SunTech code is logged and kept in ``lastModuleFailure``).
///
/// A module that stops answering fails the measurement with `.timedOut`. An unplugged port
/// fails it with `.disconnected`, sends `.disconnected`, and the driver reopens the port every
/// `reconnectInterval` until it is back (then `.connected`).
///
/// The driver's thread holds the cuff from `start` until `stop()`: call `stop()` to release it.
public final class SunTechCuff: BloodPressureCuff {
    public let info: DeviceInfo
    public let settings: Settings
    /// The module measures when told to.
    public var canStartRemotely: Bool { true }

    fileprivate let link: any CuffLink
    private let elapsed: @Sendable () -> Duration
    private let now: @Sendable () -> Date
    fileprivate let logger: Logger
    private let state = Mutex(State())

    /// Creates the driver; nothing is opened until ``start(events:)``.
    ///
    /// - Parameters:
    ///   - info: How the room knows the device.
    ///   - link: The wire to the module, normally a ``SerialLink`` at 9600 8N1.
    ///   - settings: Pacing, timeouts and the patient mode.
    ///   - clock: Measures a measurement's elapsed time and its overall timeout; tests inject one.
    ///   - now: The room's wall clock, stamped on each reading.
    ///   - logger: Where module errors and line trouble are reported.
    public init(
        info: DeviceInfo, link: any CuffLink, settings: Settings = Settings(),
        clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = .discarding()
    ) {
        self.info = info
        self.link = link
        self.settings = settings
        self.elapsed = Self.stopwatch(clock)
        self.now = now
        self.logger = logger.with(["device": info.id, "link": link.endpointDescription])
    }

    /// Whether the port is open and the driver is talking to it.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// The module's error from the last measurement that ended with one, for `vhrctl devices`.
    public var lastModuleFailure: SunTechMeasurementFailure? { state.withLock { $0.lastModuleFailure } }

    // MARK: - BloodPressureCuff

    /// Starts the driver's thread and opens the port; `.connected` follows when it is open.
    ///
    /// A port that is not there yet is not an error: the driver keeps trying every
    /// `reconnectInterval` and sends `.connected` when it appears.
    ///
    /// - Throws: `.busy` when already started or when another process holds the port,
    ///   `.permissionDenied` with the fix, `.notSupported` for a line the port cannot do,
    ///   `.internalError` when the thread cannot be created.
    public func start(events handler: @escaping @Sendable (CuffEvent) -> Void) async throws(DeviceError) {
        let result: Result<Void, DeviceError> = await withCheckedContinuation { continuation in
            let accepted = state.withLock { state in
                guard !state.running else { return false }
                state = State()
                state.running = true
                state.handler = handler
                state.openWaiter = continuation
                return true
            }
            guard accepted else {
                continuation.resume(
                    returning: .failure(
                        DeviceError(.busy, "the SunTech cuff '\(info.id)' is already started", hint: "stop it first")))
                return
            }
            do {
                let thread = try DedicatedThread(name: "suntech-\(info.id)") { self.run() }
                state.withLock { $0.thread = thread }
            } catch {
                state.withLock { state in state = State() }
                continuation.resume(
                    returning: .failure(
                        DeviceError(
                            .internalError, "cannot start the SunTech cuff's thread: \(error)",
                            hint: "the system is out of threads or memory; restart vhrd")))
            }
        }
        try result.get()
    }

    /// Sends the start command and returns when the module has acknowledged it; `.started` is
    /// delivered just before.
    ///
    /// - Throws: `.busy` while a measurement runs or when the module stays busy,
    ///   `.disconnected` when the port is not open or the cuff not started, `.timedOut` when the
    ///   module does not answer, `.notSupported` or `.invalidData` when it refuses the command.
    public func startMeasurement() async throws(DeviceError) {
        let result: Result<Void, DeviceError> = await withCheckedContinuation { continuation in
            let refusal: DeviceError? = state.withLock { state in
                guard state.running, !state.stopping else {
                    return DeviceError(
                        .disconnected, "the SunTech cuff '\(info.id)' is not started",
                        hint: "start it before measuring")
                }
                guard state.connected else {
                    return DeviceError(
                        .disconnected, "the SunTech cuff '\(info.id)' is not connected",
                        hint: "check its cable and power; vhr reconnects as soon as the port is back")
                }
                guard !state.measuring else {
                    return DeviceError(
                        .busy, "the SunTech cuff '\(info.id)' is already measuring",
                        hint: "wait for the result or abort the measurement")
                }
                state.measuring = true
                state.startWaiter = continuation
                return nil
            }
            if let refusal { continuation.resume(returning: .failure(refusal)) }
        }
        try result.get()
    }

    /// Aborts a running measurement (the module dumps the air) and returns once
    /// `.failed(.aborted)` has been delivered; a no-op when idle.
    public func abortMeasurement() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waits = state.withLock { state in
                guard state.measuring else { return false }
                state.abortRequested = true
                state.abortWaiters.append(continuation)
                return true
            }
            if !waits { continuation.resume() }
        }
    }

    /// Stops the thread (a running measurement is aborted on the module first, without an
    /// event) and closes the port; no event is delivered after it returns.
    public func stop() async {
        let thread: DedicatedThread? = state.withLock { state in
            guard state.running else { return nil }
            state.stopping = true
            state.handler = nil
            return state.thread
        }
        guard let thread else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited = state.withLock { state in
                if state.exited { return true }
                state.exitWaiters.append(continuation)
                return false
            }
            if exited { continuation.resume() }
        }
        // The thread has returned from its work; this only reaps it.
        thread.join()
    }

    // MARK: - The thread

    private func run() {
        var conversation = Conversation(cuff: self)
        var firstAttempt = true
        var reportedAbsence = false
        var openFailure: DeviceError?
        while !isStopping {
            guard conversation.isOpen else {
                do {
                    try link.open()
                    conversation.opened()
                    state.withLock { $0.connected = true }
                    logger.notice("SunTech module port is open")
                    reportedAbsence = false
                    // Before `start` returns, as the simulated cuff does.
                    emit(.connected)
                    resolveOpen(.success(()))
                } catch {
                    if firstAttempt && error.code != .notFound {
                        openFailure = error
                        break
                    }
                    resolveOpen(.success(()))
                    if !reportedAbsence {
                        logger.warning("SunTech module port not available; retrying", ["error": error.description])
                        reportedAbsence = true
                    }
                    pause(settings.reconnectInterval)
                }
                firstAttempt = false
                continue
            }
            do throws(DeviceError) {
                if hasStartRequest {
                    try conversation.measure()
                } else {
                    try conversation.idle()
                }
            } catch {
                link.close()
                conversation.closed()
                state.withLock { $0.connected = false }
                // A start the module never acknowledged fails its caller (measure() has already
                // ended a measurement that had started).
                if hasStartRequest { resolveStart(.failure(error)) }
                guard !isStopping else { break }
                logger.warning("SunTech module port lost", ["error": error.description])
                emit(.disconnected)
            }
        }
        link.close()
        finishRun(open: openFailure.map { .failure($0) } ?? .success(()))
    }

    /// Ends the thread's turn: the cuff can be started again, and everyone still waiting is
    /// released (`start` with `open`).
    private func finishRun(open result: Result<Void, DeviceError>) {
        let (open, start, aborts, exits) = state.withLock { state in
            state.running = false
            state.exited = true
            state.connected = false
            state.measuring = false
            state.handler = nil
            state.thread = nil
            defer {
                state.abortWaiters = []
                state.exitWaiters = []
            }
            return (state.openWaiter.take(), state.startWaiter.take(), state.abortWaiters, state.exitWaiters)
        }
        open?.resume(returning: result)
        start?.resume(
            returning: .failure(
                DeviceError(.disconnected, "the SunTech cuff '\(info.id)' was stopped", hint: "start it again")))
        for waiter in aborts { waiter.resume() }
        for waiter in exits { waiter.resume() }
    }

    fileprivate var isStopping: Bool { state.withLock { $0.stopping } }
    fileprivate var isAbortRequested: Bool { state.withLock { $0.abortRequested } }
    fileprivate var hasStartRequest: Bool { state.withLock { $0.startWaiter != nil } }

    fileprivate func emit(_ event: CuffEvent) {
        state.withLock { $0.handler }?(event)
    }

    private func resolveOpen(_ result: Result<Void, DeviceError>) {
        state.withLock { $0.openWaiter.take() }?.resume(returning: result)
    }

    /// The module acknowledged the start: `.started`, then the caller of `startMeasurement` returns.
    fileprivate func resolveStart(_ result: Result<Void, DeviceError>) {
        if case .success = result { emit(.started) }
        let waiter = state.withLock { state in
            if case .failure = result { state.measuring = false }
            return state.startWaiter.take()
        }
        waiter?.resume(returning: result)
        if case .failure = result { finishMeasurement(nil) }
    }

    /// Marks the cuff idle, then delivers the measurement's last event and releases aborters.
    fileprivate func finishMeasurement(_ event: CuffEvent?, failure: SunTechMeasurementFailure? = nil) {
        let (handler, aborts) = state.withLock { state in
            state.measuring = false
            state.abortRequested = false
            if let failure { state.lastModuleFailure = failure }
            defer { state.abortWaiters = [] }
            return (state.handler, state.abortWaiters)
        }
        if let event { handler?(event) }
        for waiter in aborts { waiter.resume() }
    }

    /// Sleeps up to `duration` in short steps, returning early when asked to stop.
    fileprivate func pause(_ duration: Duration) {
        let deadline = MonotonicClock.now() + Self.nanoseconds(duration)
        while !isStopping && MonotonicClock.now() < deadline {
            MonotonicClock.sleep(until: min(deadline, MonotonicClock.now() + 50_000_000))
        }
    }

    fileprivate var elapsedNow: Duration { elapsed() }
    fileprivate var wallClock: Date { now() }

    fileprivate static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds < 4_611_686_018 else { return 4_611_686_018 * 1_000_000_000 }
        return max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
    }

    /// Time since an arbitrary origin on `clock`, as a closure that hides the clock's type.
    private static func stopwatch<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let origin = clock.now
        return { origin.duration(to: clock.now) }
    }
}

// MARK: - State

extension SunTechCuff {
    private struct State {
        var handler: (@Sendable (CuffEvent) -> Void)?
        var thread: DedicatedThread?
        var running = false
        var stopping = false
        var exited = false
        var connected = false
        /// From an accepted `startMeasurement` until the measurement's last event.
        var measuring = false
        var abortRequested = false
        var openWaiter: CheckedContinuation<Result<Void, DeviceError>, Never>?
        var startWaiter: CheckedContinuation<Result<Void, DeviceError>, Never>?
        var abortWaiters: [CheckedContinuation<Void, Never>] = []
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var lastModuleFailure: SunTechMeasurementFailure?
    }
}

// MARK: - The conversation with the module

/// What the thread keeps between link calls: the bytes not yet framed and the frame decoder.
private struct Conversation {
    let cuff: SunTechCuff
    private(set) var isOpen = false
    private var buffer: [UInt8] = []
    private var decoder = SunTechFrameDecoder()
    private var reportedDiscards = 0
    /// Between the module's acknowledgement of a start and the measurement's last event.
    private var measuring = false

    init(cuff: SunTechCuff) {
        self.cuff = cuff
    }

    private var settings: SunTechCuff.Settings { cuff.settings }
    private var link: any CuffLink { cuff.link }
    private var logger: Logger { cuff.logger }

    mutating func opened() {
        isOpen = true
        buffer.removeAll()
        decoder = SunTechFrameDecoder()
        reportedDiscards = 0
    }

    mutating func closed() {
        isOpen = false
    }

    /// Waits one idle poll for anything the module says unasked, which is only logged.
    mutating func idle() throws(DeviceError) {
        let deadline = MonotonicClock.now() + SunTechCuff.nanoseconds(settings.idlePoll)
        while let frame = try nextFrame(until: deadline) {
            logger.info("SunTech module sent a frame while idle", ["frame": frame.description])
        }
    }

    // MARK: Measuring

    /// Runs one measurement from the start command to its last event. Throws only when the link
    /// fails, after delivering `.failed(.disconnected)`.
    mutating func measure() throws(DeviceError) {
        do {
            try measureOrThrow()
        } catch {
            if cuff.hasStartRequest {
                cuff.resolveStart(.failure(error))
            } else if measuring {
                finish(.failed(.disconnected))
            }
            throw error
        }
    }

    private mutating func measureOrThrow() throws(DeviceError) {
        if let mmHg = settings.initialInflate {
            let answer = try command(.setInitialInflate(mmHg: mmHg))
            if answer != .received && answer != .completed {
                logger.warning(
                    "SunTech module did not take the initial inflation pressure",
                    ["mmHg": "\(mmHg)", "answer": answer.map(\.description) ?? "none"])
            }
        }
        switch try startModule() {
        case .failure(let error):
            logger.warning("SunTech module did not start a measurement", ["error": error.description])
            cuff.resolveStart(.failure(error))
            // Only its answers may have been lost: make sure it is not pumping.
            if error.code == .timedOut { _ = try abortModule() }
            return
        case .success:
            measuring = true
            cuff.resolveStart(.success(()))
        }
        let origin = cuff.elapsedNow
        var phase = PhaseTracker()
        var silentPolls = 0
        while true {
            if cuff.isStopping {
                _ = try abortModule()
                finish(nil)
                return
            }
            if cuff.isAbortRequested {
                _ = try abortModule()
                logger.info("SunTech measurement aborted")
                finish(.failed(.aborted))
                return
            }
            let measuredFor = cuff.elapsedNow - origin
            if measuredFor > settings.measurementTimeout {
                _ = try abortModule()
                logger.error(
                    "SunTech module did not finish the measurement in time; aborted",
                    ["timeout": "\(settings.measurementTimeout)"])
                finish(.failed(.timedOut))
                return
            }
            try send(.getCuffPressure)
            let sentAt = MonotonicClock.now()
            var answered = false
            // The answer to this poll, then the rest of the interval: the module may report the
            // end by itself at any time.
            let answerBy = sentAt + SunTechCuff.nanoseconds(settings.responseTimeout)
            let nextPoll = sentAt + SunTechCuff.nanoseconds(settings.pollInterval)
            while let frame = try nextFrame(until: answered ? nextPoll : answerBy) {
                switch SunTechResponse(frame: frame) {
                case .cuffPressure(let mmHg):
                    answered = true
                    let seconds = Self.seconds(cuff.elapsedNow - origin)
                    cuff.emit(
                        .pressure(CuffPressure(phase: phase.update(mmHg), pressure: Double(mmHg), elapsed: seconds)))
                case .acknowledgement(.completed), .acknowledgement(.error):
                    try fetchResult()
                    return
                case .acknowledgement(.aborted):
                    logger.notice("SunTech module aborted the measurement by itself")
                    finish(.failed(.aborted))
                    return
                case .result(let result):
                    deliver(result)
                    return
                case .acknowledgement, .unknownAcknowledgement, .other:
                    // Alive, but not what was asked; the next poll asks again.
                    answered = true
                }
            }
            if answered {
                silentPolls = 0
                continue
            }
            silentPolls += 1
            logger.warning("SunTech module did not answer a cuff-pressure poll", ["silent": "\(silentPolls)"])
            if silentPolls > settings.retries {
                logger.error("SunTech module stopped answering; the measurement failed")
                finish(.failed(.timedOut))
                // It may still hold air: ask it to let go, in case only its answers are lost.
                _ = try abortModule()
                return
            }
        }
    }

    /// Sends the start command until the module acknowledges it, retrying silence and 'busy'.
    private mutating func startModule() throws(DeviceError) -> Result<Void, DeviceError> {
        let command = settings.patientMode.startCommand
        var busyAnswers = 0
        while true {
            let answer = try self.command(command)
            switch answer {
            case .received?:
                return .success(())
            case nil:
                return .failure(
                    DeviceError(
                        .timedOut, "the SunTech module on \(link.endpointDescription) did not answer the start command",
                        hint: "check the cable, the module's power and that the line runs at 9600 8N1"))
            case .busy?, .sleeping?, .timedOut?:
                busyAnswers += 1
                guard busyAnswers <= settings.busyRetries else {
                    return .failure(
                        DeviceError(
                            .busy, "the SunTech module stayed busy: \(answer?.description ?? "")",
                            hint: "wait a few seconds and try again; if it persists, reset the module"))
                }
                cuff.pause(settings.busyDelay)
            case .rejected?, .unrecognized?:
                return .failure(
                    DeviceError(
                        .notSupported, "the SunTech module refused the start command: \(answer?.description ?? "")",
                        hint: "check the module's firmware and the patient-mode option"))
            case .error?, .aborted?, .completed?:
                return .failure(
                    DeviceError(
                        .invalidData, "the SunTech module answered the start command with \(answer?.description ?? "")",
                        hint: "try again; if it persists, reset the module"))
            }
        }
    }

    /// Asks for the result and delivers it; a silent module fails the measurement `.timedOut`.
    private mutating func fetchResult() throws(DeviceError) {
        for _ in 0...settings.retries {
            try send(.getResult)
            let answerBy = MonotonicClock.now() + SunTechCuff.nanoseconds(settings.responseTimeout)
            while let frame = try nextFrame(until: answerBy) {
                if case .result(let result) = SunTechResponse(frame: frame) {
                    deliver(result)
                    return
                }
            }
        }
        logger.error("SunTech module did not send the measurement result")
        finish(.failed(.timedOut))
    }

    /// Ends the measurement with `event` (none when stopping).
    private mutating func finish(_ event: CuffEvent?, failure: SunTechMeasurementFailure? = nil) {
        measuring = false
        cuff.finishMeasurement(event, failure: failure)
    }

    private mutating func deliver(_ result: SunTechResult) {
        switch result.reading(measuredAt: cuff.wallClock) {
        case .success(let reading):
            logger.info(
                "SunTech measurement completed",
                ["systolic": "\(reading.systolic)", "diastolic": "\(reading.diastolic)", "pulse": "\(reading.pulse)"])
            finish(.completed(reading))
        case .failure(let failure):
            // Module faults have no patient-facing failure; .timedOut's advice sends a technician
            // to 'vhrctl devices', where lastModuleFailure shows the code.
            let reported = failure.cuffFailure ?? .timedOut
            logger.log(
                failure.cuffFailure == nil ? .error : .notice, "SunTech module reported a measurement error",
                ["code": "\(failure.code)", "error": failure.description, "reported": reported.rawValue])
            finish(.failed(reported), failure: failure)
        }
    }

    /// Sends abort until the module acknowledges it; returns whether it did.
    private mutating func abortModule() throws(DeviceError) -> Bool {
        if try command(.abort) != nil { return true }
        logger.warning("SunTech module did not acknowledge the abort; the cuff may still hold air")
        return false
    }

    // MARK: Frames

    /// Sends `command`, resending on silence, and returns the first acknowledgement (other
    /// frames, such as a late cuff pressure, are skipped); `nil` when the module stayed silent.
    private mutating func command(_ command: SunTechCommand) throws(DeviceError) -> SunTechAcknowledgement? {
        for _ in 0...settings.retries {
            try send(command)
            let answerBy = MonotonicClock.now() + SunTechCuff.nanoseconds(settings.responseTimeout)
            while let frame = try nextFrame(until: answerBy) {
                if case .acknowledgement(let answer) = SunTechResponse(frame: frame) { return answer }
            }
            guard !cuff.isStopping || command == .abort else { return nil }
        }
        return nil
    }

    private func send(_ command: SunTechCommand) throws(DeviceError) {
        try link.send(command.bytes, timeout: settings.writeTimeout)
    }

    /// The next whole frame, or `nil` once `deadline` (`MonotonicClock` nanoseconds) has passed.
    /// Garbage between frames is skipped and logged.
    private mutating func nextFrame(until deadline: Int64) throws(DeviceError) -> SunTechFrame? {
        while true {
            if let frame = decoder.decode(buffer: &buffer) {
                reportDiscards()
                return frame
            }
            let remaining = deadline - MonotonicClock.now()
            guard remaining > 0 else { return nil }
            // Short reads keep the decoder's idle flush (below) prompt.
            let bytes = try link.receive(timeout: .nanoseconds(min(remaining, 100_000_000)))
            if bytes.isEmpty {
                // The line went idle: a stray '>' must not hold back a frame behind it.
                if !buffer.isEmpty, let frame = decoder.decodeLast(buffer: &buffer) {
                    reportDiscards()
                    return frame
                }
                reportDiscards()
                continue
            }
            buffer += bytes
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private mutating func reportDiscards() {
        guard decoder.discardedByteCount > reportedDiscards else { return }
        logger.warning(
            "SunTech: bytes that are not a frame were skipped",
            [
                "count": "\(decoder.discardedByteCount - reportedDiscards)",
                "reason": decoder.lastDiscardReason?.description ?? "no frame start",
            ])
        reportedDiscards = decoder.discardedByteCount
    }
}

/// Tells inflation from deflation by the pressure's direction: the module pumps up, then bleeds
/// down in steps; a rise of more than a few mmHg while deflating is a re-inflation.
private struct PhaseTracker {
    private var phase = CuffPhase.inflating
    private var peak = 0
    private var last = 0

    mutating func update(_ mmHg: Int) -> CuffPhase {
        switch phase {
        case .inflating where mmHg < peak - 3:
            phase = .deflating
        case .deflating where mmHg > last + 5:
            phase = .inflating
            peak = mmHg
        default:
            break
        }
        peak = max(peak, mmHg)
        last = mmHg
        return phase
    }
}
