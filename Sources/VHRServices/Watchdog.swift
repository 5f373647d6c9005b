import Foundation
import Synchronization
import VHRCore
import VHRSystem

/// Pets systemd's watchdog only while the daemon makes real progress, and keeps the unit's
/// `STATUS=` line showing the room's health.
///
/// A timer that pets unconditionally cannot fail, so it proves nothing. Each pet here needs
/// fresh evidence since the previous one: the room actor answered a round trip within the
/// deadline, the control socket's accept loop answered on its queue, and, while a stethoscope
/// streams, the capture ring's write index moved. Missing evidence withholds the pet; after
/// `WatchdogSec=` without one systemd kills the daemon with SIGABRT and `Restart=always`
/// starts a fresh one.
///
/// Time comes only from the injected `sleep`, so the intervals are counted in ticks.
public final class Watchdog: Sendable {
    /// The evidence the watchdog gathers, each a call into the part of the daemon it vouches for.
    public struct Probes: Sendable {
        /// A round trip through the room actor that returns its health; a stalled room never returns.
        public var room: @Sendable () async -> Health
        /// The uploader's state (`idle`, `backing-off`, …), or nil when uploads are off. Shown
        /// in the status only: a slow upload is not a stalled daemon.
        public var upload: @Sendable () async -> String?
        /// Whether the control socket's accept loop runs (`ControlServer.heartbeat`).
        public var control: @Sendable () async -> Bool
        /// The capture ring's write index while a stethoscope should be streaming, else nil.
        public var capture: @Sendable () -> UInt64?

        public init(
            room: @escaping @Sendable () async -> Health, upload: @escaping @Sendable () async -> String? = { nil },
            control: @escaping @Sendable () async -> Bool, capture: @escaping @Sendable () -> UInt64? = { nil }
        ) {
            self.room = room
            self.upload = upload
            self.control = control
            self.capture = capture
        }
    }

    public struct Settings: Sendable {
        /// How often to pet: half of `$WATCHDOG_USEC` (`SystemdNotifier.watchdogTimeout`), or nil
        /// when systemd does not watch the daemon (the status line is still kept).
        public var petInterval: Duration?
        /// How long a probe may take before it counts as no answer.
        public var probeDeadline: Duration
        /// How often the status line is sent even when it did not change.
        public var statusInterval: Duration

        /// - Parameter watchdogTimeout: `WatchdogSec=` as systemd passed it, or nil.
        public init(
            watchdogTimeout: Duration?, probeDeadline: Duration = .seconds(5), statusInterval: Duration = .seconds(5)
        ) {
            self.petInterval = watchdogTimeout.map { $0 / 2 }
            // A probe must be able to fail before the pet is due, or a stall is noticed a period late.
            self.probeDeadline = petInterval.map { min(probeDeadline, $0 / 2) } ?? probeDeadline
            self.statusInterval = statusInterval
        }
    }

    /// The outcome of one round of probes.
    public struct Verdict: Sendable, Equatable {
        /// What stops the pet, in words for the log and the status line; empty when healthy.
        public var problems: [String]
        /// The room's health, or nil when the room did not answer.
        public var health: Health?
        /// The capture index this round saw, or nil when no stethoscope streams.
        public var captureIndex: UInt64?

        /// Whether the daemon made progress and may pet.
        public var isHealthy: Bool { problems.isEmpty }

        /// The status line: `ready; <health>`, or what is stalled.
        public func statusLine(upload: String?) -> String {
            if !problems.isEmpty {
                return "stalled: " + problems.joined(separator: "; ")
                    + (health.map { "; " + $0.summary(upload: upload) } ?? "")
            }
            return "ready; " + (health?.summary(upload: upload) ?? "")
        }
    }

    private let notifier: SystemdNotifier
    private let probes: Probes
    private let settings: Settings
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let state = Mutex(State())

    private struct State {
        /// The capture index at the last pet (or the first look), to see it moved since.
        var captureAtPet: UInt64?
        /// Whether a room probe is still waiting for the actor: a stalled room gets one, not one per tick.
        var roomProbeInFlight = false
        var lastProblems: [String] = []
        var notifyFailed = false
    }

    /// - Parameter sleep: how the watchdog waits, and times out its probes (Task.sleep by default).
    public init(
        notifier: SystemdNotifier, settings: Settings, probes: Probes, logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.notifier = notifier
        self.settings = settings
        self.probes = probes
        self.logger = logger
        self.sleep = sleep
    }

    /// Starts petting and refreshing the status in a task of its own; does nothing outside systemd.
    public func start() {
        guard notifier.isEnabled else { return }
        let task = Task { [self] in await run() }
        self.task.withLock { $0 = task }
    }

    /// Stops the loop; the daemon sends `STOPPING=1` itself.
    public func stop() async {
        let task = self.task.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// The loop: one round of probes per tick, a pet after every healthy round, the status when
    /// it changed or is due.
    ///
    /// Petting after every healthy round, rather than every so many rounds, keeps the gap between
    /// pets at one tick plus one probe deadline (the probes run side by side), well inside
    /// systemd's timeout even when the probes are slow but answer; counting rounds would stretch
    /// it by every slow probe.
    func run() async {
        let tick = min(settings.petInterval.map { $0 / 2 } ?? settings.statusInterval, settings.statusInterval)
        let statusEvery = max(1, Int((settings.statusInterval / tick).rounded(.down)))
        var lastStatus: String?
        var statusAge = 0
        while !Task.isCancelled {
            let verdict = await check()
            if settings.petInterval != nil, verdict.isHealthy {
                pet(verdict)
            }
            let answer: String?? = await withDeadline { [probes] in await probes.upload() }
            let status = verdict.statusLine(upload: answer ?? "busy")
            if status != lastStatus || statusAge >= statusEvery {
                send { try notifier.status(status) }
                lastStatus = status
                statusAge = 0
            }
            statusAge += 1
            do {
                try await sleep(tick)
            } catch {
                return
            }
        }
    }

    /// One round of probes: what the daemon did since the last pet.
    public func check() async -> Verdict {
        var problems: [String] = []
        // Side by side, so a round costs one probe deadline at most, not one per probe.
        async let roomAnswer = probeRoom()
        async let controlAnswer = withDeadline { [probes] in await probes.control() }
        let health = await roomAnswer
        let control = await controlAnswer
        if health == nil { problems.append("room did not answer within \(Self.describe(settings.probeDeadline))") }
        switch control {
        case nil: problems.append("control socket did not answer within \(Self.describe(settings.probeDeadline))")
        case false?: problems.append("control socket is not accepting")
        case true?: break
        }
        let index = probes.capture()
        if let index {
            let previous = state.withLock { state in
                defer { if state.captureAtPet == nil { state.captureAtPet = index } }
                return state.captureAtPet
            }
            if let previous, previous == index, settings.petInterval != nil {
                problems.append("capture stalled at sample \(index)")
            }
        } else {
            state.withLock { $0.captureAtPet = nil }
        }
        let verdict = Verdict(problems: problems, health: health, captureIndex: index)
        report(verdict)
        return verdict
    }

    private func pet(_ verdict: Verdict) {
        state.withLock { $0.captureAtPet = verdict.captureIndex }
        send { try notifier.watchdog() }
    }

    /// Logs when the problems change, not on every tick.
    private func report(_ verdict: Verdict) {
        let changed = state.withLock { state in
            defer { state.lastProblems = verdict.problems }
            return state.lastProblems != verdict.problems
        }
        guard changed else { return }
        if verdict.isHealthy {
            logger.notice("watchdog: the room makes progress again")
        } else {
            logger.error(
                "watchdog: withholding the ping; systemd restarts vhrd if this lasts",
                ["problems": verdict.problems.joined(separator: "; ")])
        }
    }

    /// The room's health, or nil when it did not answer in time. A probe still waiting from
    /// an earlier tick counts as no answer without starting another.
    private func probeRoom() async -> Health? {
        let start = state.withLock { state in
            defer { state.roomProbeInFlight = true }
            return !state.roomProbeInFlight
        }
        guard start else { return nil }
        return await withDeadline { [self] in
            let health = await probes.room()
            state.withLock { $0.roomProbeInFlight = false }
            return health
        }
    }

    /// Runs `operation` in a task of its own and waits for it at most `probeDeadline`: a
    /// stalled actor cannot be cancelled, so the caller must not wait for it to give up.
    private func withDeadline<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T? {
        let deadline = settings.probeDeadline
        let sleep = self.sleep
        return await withCheckedContinuation { continuation in
            let slot = FirstAnswer(continuation)
            let timer = Task {
                try? await sleep(deadline)
                slot.resume(returning: nil)
            }
            Task {
                let value = await operation()
                timer.cancel()
                slot.resume(returning: value)
            }
        }
    }

    private func send(_ body: () throws -> Void) {
        do {
            try body()
            state.withLock { $0.notifyFailed = false }
        } catch {
            let first = state.withLock { state in
                defer { state.notifyFailed = true }
                return !state.notifyFailed
            }
            if first { logger.warning("cannot notify systemd", ["error": "\(error)"]) }
        }
    }

    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// A continuation resumed by whichever of a probe and its deadline answers first.
private final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T?, Never>?>

    init(_ continuation: CheckedContinuation<T?, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(returning value: T?) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}

extension Watchdog {
    /// The room's health as the status line shows it.
    public struct Health: Sendable, Equatable {
        /// A configured device and its state (`ready`, `measuring`, `streaming`, `fault`, …).
        public struct Device: Sendable, Equatable {
            public var id: String
            public var state: String

            public init(id: String, state: String) {
                self.id = id
                self.state = state
            }
        }

        /// The visit in progress, if any.
        public var visit: String?
        /// Measurements waiting for upload, or nil when the outbox could not be read.
        public var pending: Int?
        /// Measurements held for a person to look at.
        public var held: Int
        /// How long the oldest unsent measurement has waited.
        public var oldestUnsentAge: TimeInterval?
        public var devices: [Device]
        /// Alarm kinds raised (`disk_full`, `store_write`).
        public var alarms: [String]

        public init(
            visit: String?, pending: Int?, held: Int = 0, oldestUnsentAge: TimeInterval?, devices: [Device],
            alarms: [String] = []
        ) {
            self.visit = visit
            self.pending = pending
            self.held = held
            self.oldestUnsentAge = oldestUnsentAge
            self.devices = devices
            self.alarms = alarms
        }

        /// Reads `Room.statusView()`.
        public init(status: JSONValue) {
            let outbox = status["outbox"]
            self.init(
                visit: status["visit"]?["id"]?.stringValue, pending: outbox?["pending"]?.intValue.map { Int($0) },
                held: outbox?["held"]?.intValue.map { Int($0) } ?? 0,
                oldestUnsentAge: outbox?["oldest_unsent_age_s"]?.doubleValue,
                devices: (status["devices"]?.arrayValue ?? []).compactMap { entry in
                    guard let id = entry["id"]?.stringValue else { return nil }
                    return Device(id: id, state: entry["state"]?.stringValue ?? "unknown")
                },
                alarms: (status["alarms"]?.arrayValue ?? []).compactMap { $0["kind"]?.stringValue })
        }

        /// `visit none; outbox 0 pending, oldest unsent —; upload idle; devices cuff-1 ready, steth-1 streaming`.
        public func summary(upload: String?) -> String {
            var outbox = pending.map { "outbox \($0) pending" } ?? "outbox unreadable"
            if held > 0 { outbox += ", \(held) held" }
            outbox += ", oldest unsent " + (oldestUnsentAge.map(Self.age) ?? "—")
            var parts = [
                "visit " + (visit ?? "none"), outbox, "upload " + (upload ?? "off"),
                "devices "
                    + (devices.isEmpty ? "none" : devices.map { "\($0.id) \($0.state)" }.joined(separator: ", ")),
            ]
            if !alarms.isEmpty { parts.append("alarms " + alarms.joined(separator: ", ")) }
            return parts.joined(separator: "; ")
        }

        /// `42s`, `3m07s`, `5h02m`, `2d04h`.
        static func age(_ seconds: TimeInterval) -> String {
            let total = Int(max(0, seconds).rounded(.down))
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            switch total {
            case ..<60: return "\(total)s"
            case ..<3600: return "\(total / 60)m\(two(total % 60))s"
            case ..<86400: return "\(total / 3600)h\(two(total % 3600 / 60))m"
            default: return "\(total / 86400)d\(two(total % 86400 / 3600))h"
            }
        }
    }
}
