import Foundation
import Synchronization
import VHRCore
import VHRSystem

// One dedicated thread per cuff runs the whole driver: it (re)opens the link, blocks in
// `receive` for at most the poll interval or the session's next deadline, feeds the pure
// `PHDCuffSession` and does what it says. Everything the session owns lives on that thread;
// other threads only set flags in `shared` (stop, the visit's start), which the loop reads
// between receives. Events are handed out from that one thread, so they keep their order, and
// `stop()` joins it, so none comes after `stop()` returns.

/// A blood-pressure monitor that speaks IEEE 11073-20601 with the 10407 specialization (a
/// "Continua" PHD cuff), over any `CuffLink`: USB PHDC, a serial line, or a replayed session.
///
/// The patient starts the measurement with the monitor's own button; the monitor then associates,
/// sends its configuration if the manager does not know it yet, reports the measurement (and often its
/// stored memory) and releases. Readings dated before the visit's start are an earlier patient's
/// stored memory and are logged, not delivered (`setVisitStart(_:)`, `resetPatient()`).
public final class PHDCuff: BloodPressureCuff, PatientResettable {
    public let info: DeviceInfo
    public let settings: Settings
    /// A PHD monitor measures when the patient presses its button; the manager cannot start it.
    public var canStartRemotely: Bool { false }

    private let sessionSettings: PHDCuffSession.Settings
    private let makeLink: @Sendable () -> any CuffLink
    private let timing: Timing
    private let logger: Logger
    private let configurationLearned: @Sendable (PHDCuffSession.LearnedConfiguration) -> Void
    private let shared: Mutex<Shared>
    private let driver: DriverThread
    /// How long one `receive` may block, so `stop()` and a new visit are noticed promptly.
    private let pollInterval: Duration

    private struct Shared {
        var visitStart: Date?
        var knownConfigurations: [[UInt8]: [UInt16: Configuration]]
    }

    /// Creates the driver; nothing is opened until `start(events:)`.
    ///
    /// - Parameters:
    ///   - info: How the room knows the device.
    ///   - settings: The profile's parameters.
    ///   - link: Makes the link to open, called again after each disconnect (a USB link per plug).
    ///   - knownConfigurations: Extended configurations learned before, per system id and config id.
    ///   - configurationLearned: Called on the driver thread with each newly learned configuration, to
    ///     persist it.
    ///   - timing: The clocks; tests inject their own.
    ///   - logger: Where problems and the association's progress are logged.
    /// - Throws: `DeviceError` `.invalidData` for a bad setting.
    public init(
        info: DeviceInfo, settings: Settings = Settings(), link: @escaping @Sendable () -> any CuffLink,
        knownConfigurations: [[UInt8]: [UInt16: Configuration]] = [:],
        configurationLearned: @escaping @Sendable (PHDCuffSession.LearnedConfiguration) -> Void = { _ in },
        timing: Timing = .system, logger: Logger = .discarding()
    ) throws(DeviceError) {
        self.info = info
        self.settings = settings
        self.sessionSettings = try settings.sessionSettings()
        self.makeLink = link
        self.timing = timing
        self.logger = logger.with(["device": info.id])
        self.configurationLearned = configurationLearned
        self.pollInterval = .milliseconds(100)
        self.shared = Mutex(Shared(knownConfigurations: knownConfigurations))
        self.driver = DriverThread(name: "phd-\(info.id)")
    }

    /// Readings dated before `date` are an earlier patient's and are not delivered; nil delivers all.
    public func setVisitStart(_ date: Date?) {
        shared.withLock { $0.visitStart = date }
    }

    /// The room started or resumed a visit: readings dated before it are an earlier patient's.
    public func visitStarted(at date: Date) {
        setVisitStart(date)
    }

    /// The room calls this when a visit ends: whatever the monitor stored until now is no longer the
    /// next patient's.
    public func resetPatient() {
        let now = timing.wallClock()
        shared.withLock { $0.visitStart = now }
    }

    /// Every configuration learned so far, including those passed in.
    public var knownConfigurations: [[UInt8]: [UInt16: Configuration]] {
        shared.withLock { $0.knownConfigurations }
    }

    // MARK: - BloodPressureCuff

    /// Starts the driver thread; `.connected` follows once the link opens (when the monitor is plugged in).
    ///
    /// - Throws: `.busy` when already started, `.internalError` when no thread can be created.
    public func start(events handler: @escaping @Sendable (CuffEvent) -> Void) async throws(DeviceError) {
        try driver.start(device: info.id) { [self] in run(handler) }
    }

    /// A PHD monitor cannot be started remotely.
    ///
    /// - Throws: always `.notSupported`, with what the patient should do.
    public func startMeasurement() async throws(DeviceError) {
        throw DeviceError(
            .notSupported, "The cuff '\(info.id)' measures when its own button is pressed",
            hint: "ask the patient to press the start button on the monitor")
    }

    /// Nothing to abort: the monitor runs its own measurement.
    public func abortMeasurement() async {}

    /// Releases the association if one is up (RLRQ, waiting at most TO_release), closes the link and
    /// joins the driver thread; no event is delivered after it returns.
    public func stop() async {
        await driver.stop()
    }

    // MARK: - Driver thread

    private var stopping: Bool { driver.isStopping }

    private func run(_ handler: @escaping @Sendable (CuffEvent) -> Void) {
        let (visitStart, known) = shared.withLock { ($0.visitStart, $0.knownConfigurations) }
        var session = PHDCuffSession(settings: sessionSettings, knownConfigurations: known, visitStart: visitStart)
        var reportedMissing = false
        // Connections in a row that failed before an association: each waits twice as long as the
        // last before the next attempt (up to `maximumRetryDelay`), so a monitor that keeps failing
        // (or an emulated one that is never unplugged) neither spins nor floods the log and the room.
        var failures = 0
        while !stopping {
            let link = makeLink()
            do {
                try link.open()
            } catch {
                if error.code != .notFound {
                    logger.warning("cannot open the cuff", ["link": link.endpointDescription, "error": "\(error)"])
                } else if !reportedMissing {
                    logger.notice("cuff not present; waiting for it", ["link": link.endpointDescription])
                }
                reportedMissing = error.code == .notFound
                pause(.seconds(settings.reconnectDelay))
                continue
            }
            reportedMissing = false
            logger.info("cuff link open", ["link": link.endpointDescription])
            var associated = false
            var connected = perform(session.connected(), on: link, handler)
            if connected {
                connected = serve(link, &session, associated: &associated, handler)
            }
            if !connected {
                perform(session.disconnected(wallClock: timing.wallClock()), on: link, handler)
            }
            link.close()
            failures = associated || connected ? 0 : failures + 1
            if failures > 0 {
                let delay = min(settings.reconnectDelay * Double(1 << min(failures - 1, 16)), Self.maximumRetryDelay)
                logger.info("next attempt in \(delay) s", ["failures": String(failures)])
                pause(.seconds(delay))
            }
        }
    }

    /// The longest wait between attempts on a monitor that keeps failing, in seconds.
    static let maximumRetryDelay = 30.0

    /// Runs one connection until the link fails (returns false) or `stop()` has been handled (true).
    private func serve(
        _ link: any CuffLink, _ session: inout PHDCuffSession, associated: inout Bool,
        _ handler: @escaping @Sendable (CuffEvent) -> Void
    ) -> Bool {
        var releasing = false
        while true {
            if session.isAssociated { associated = true }
            let stopping = driver.isStopping
            let visitStart = shared.withLock { $0.visitStart }
            session.visitStart = visitStart
            if stopping {
                if !releasing, session.isAssociated {
                    releasing = true
                    logger.info("releasing the association")
                    guard perform(session.releaseRequested(at: timing.now()), on: link, handler) else { return false }
                } else if session.state != .disassociating {
                    return true
                }
            }
            var timeout = pollInterval
            if let deadline = session.nextDeadline {
                timeout = max(.zero, min(timeout, deadline - timing.now()))
            }
            let bytes: [UInt8]
            do {
                bytes = try link.receive(timeout: timeout)
            } catch {
                logger.warning("cuff link lost", ["link": link.endpointDescription, "error": "\(error)"])
                return false
            }
            if !bytes.isEmpty {
                let output = session.received(bytes, at: timing.now(), wallClock: timing.wallClock())
                guard perform(output, on: link, handler) else { return false }
            }
            guard perform(session.expireTimers(at: timing.now(), wallClock: timing.wallClock()), on: link, handler)
            else { return false }
        }
    }

    /// Does what the session asked; false when a send failed (the link is gone).
    @discardableResult
    private func perform(
        _ output: PHDCuffSession.Output, on link: any CuffLink, _ handler: @escaping @Sendable (CuffEvent) -> Void
    ) -> Bool {
        for problem in output.problems {
            logger.warning(problem)
        }
        for notice in output.notices {
            logger.info(notice)
        }
        for learned in output.learned {
            shared.withLock {
                $0.knownConfigurations[learned.systemID, default: [:]][learned.configuration.id] = learned.configuration
            }
            configurationLearned(learned)
        }
        var sent = true
        for bytes in output.send where sent {
            do {
                try link.send(bytes, timeout: .seconds(1))
            } catch {
                logger.warning("cannot send to the cuff", ["link": link.endpointDescription, "error": "\(error)"])
                sent = false
            }
        }
        for event in output.events {
            handler(event)
        }
        return sent
    }

    /// Sleeps in short steps so `stop()` is not held up by a long reconnect delay.
    private func pause(_ duration: Duration) {
        var left = duration
        while left > .zero, !stopping {
            let step = min(left, pollInterval)
            timing.sleep(step)
            left -= step
        }
    }
}

extension PHDCuff.Timing {
    /// The system's monotonic and wall clocks.
    public static var system: PHDCuff.Timing {
        PHDCuff.Timing(
            now: { .nanoseconds(MonotonicClock.now()) }, wallClock: Date.init,
            sleep: { duration in
                let (seconds, attoseconds) = duration.components
                MonotonicClock.sleep(
                    until: MonotonicClock.now() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            })
    }
}
