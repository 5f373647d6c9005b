import Foundation
import VHRCore

/// Drains the outbox to the FHIR server, one measurement at a time, through `any FHIRTransport`.
///
/// Each due measurement becomes its transaction Bundle (every entry a conditional create, so a
/// resend is harmless) and what the server says decides its fate (`UploadOutcome`):
/// - delivered: marked delivered in the store;
/// - retry (network, 408, 429, 5xx): stays pending, due again after `RetryPolicy`'s capped,
///   jittered delay (at least the server's `Retry-After`), and the whole queue backs off too:
///   the server or the network is down, so one probe per backoff instead of one request per
///   waiting measurement (a week's backlog would otherwise retry hundreds of rows every cap);
/// - held (other 4xx, 412, or a row that cannot be mapped): taken out of the queue with the
///   reason and an alarm, and the next measurement goes on at once (no head-of-line blocking);
/// - 401/403: the token, not the record, is at fault: nothing is held, the whole queue pauses
///   with one alarm, and resumes as soon as the token file changes or after a capped backoff.
///
/// Only one request is ever in flight (concurrency 1): simple, gentle to the server, and it
/// guarantees one request per identifier at a time. Requests start no faster than
/// `target.rate` per second with bursts of `target.burst` (a `DrainRate` on the monotonic
/// clock). Every wait is a monotonic sleep, never "until a wall-clock date"; the store's due
/// times are wall-clock dates, so any further ahead than the longest possible backoff (the
/// clock stepped back) are pulled forward to now.
public actor Uploader {
    /// How often the queue is looked at when nothing wakes the uploader.
    public static let defaultPollInterval: Duration = .seconds(30)
    /// Rows fetched per look at the queue.
    private static let batchSize = 16

    private let target: UploadTarget
    private let mapping: UploadMapping
    private let store: MeasurementStore
    private let transport: any FHIRTransport
    private let device: @Sendable (MeasurementRecord) -> DeviceFacts?
    private let events: EventHub
    private let logger: Logger
    private let clock: any UploaderClock
    private let tokenSource: UploadTokenSource
    private let policy: RetryPolicy
    private let pollInterval: Duration
    private let wakeSignal = UploaderWakeSignal()
    private var random: SeededRandom
    private var drain: DrainRate
    private var loop: Task<Void, Never>?

    /// Why the whole queue is waiting, and until when (monotonic).
    private struct Pause {
        enum Cause {
            case outage
            case auth(rejectedToken: String?)
            case token
            case store
        }
        var until: Duration
        var cause: Cause

        var isAuth: Bool {
            if case .auth = cause { return true }
            return false
        }
    }
    private var pause: Pause?
    // Consecutive failures per queue-wide cause, for their backoffs.
    private var outageFailures = 0
    private var authFailures = 0
    private var tokenFailures = 0
    private var storeFailures = 0

    private var running = false
    private var sending = false
    private var lastOutcome: String?
    private var lastAttemptAt: Date?
    private var delivered = 0
    private var retried = 0
    private var held = 0
    private var alarms: [UploaderStatus.Alarm] = []
    /// For the metrics: requests by how they ended, and their total time on the monotonic clock.
    private var requestsByResult: [String: Int] = [:]
    private var requestSeconds = 0.0

    /// - Parameters:
    ///   - target: The `[upload]` settings (the URL, token file, identifier systems, rate).
    ///   - roomName: The room's name, the first part of every device identifier.
    ///   - store: The outbox.
    ///   - transport: The HTTP client.
    ///   - device: The facts of the device that took a measurement (model, simulated or not);
    ///     `nil` for a device no longer configured (it is then named by its stored profile).
    ///   - events: Alarms go out as `alarm` / `alarm.cleared` room events.
    ///   - clock: Wall and monotonic time; tests pass an `UploaderTestClock`.
    ///   - environment: The process environment, for `CREDENTIALS_DIRECTORY`.
    ///   - policy: The retry backoff.
    ///   - timeZone: The zone the bundles' times are written in.
    ///   - pollInterval: The longest the uploader sleeps without looking at the queue.
    ///   - randomSeed: Fixes the jitter, for tests; `nil` seeds from the system's generator.
    public init(
        target: UploadTarget, roomName: String, store: MeasurementStore, transport: any FHIRTransport,
        device: @escaping @Sendable (MeasurementRecord) -> DeviceFacts?, events: EventHub, logger: Logger,
        clock: any UploaderClock = SystemUploaderClock(), environment: [String: String],
        policy: RetryPolicy = RetryPolicy(), timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!,
        pollInterval: Duration = Uploader.defaultPollInterval, randomSeed: UInt64? = nil
    ) {
        self.target = target
        self.mapping = UploadMapping(target: target, roomName: roomName, timeZone: timeZone)
        self.store = store
        self.transport = transport
        self.device = device
        self.events = events
        self.logger = logger
        self.clock = clock
        self.tokenSource = UploadTokenSource(tokenFile: target.tokenFile, environment: environment)
        self.policy = policy
        self.pollInterval = max(pollInterval, .milliseconds(1))
        self.random = SeededRandom(seed: randomSeed ?? UInt64.random(in: .min ... .max))
        self.drain = DrainRate(
            perSecond: target.rate > 0 && target.rate.isFinite ? target.rate : UploadTarget.defaultRate,
            burst: max(target.burst, 1), now: clock.monotonicNow())
    }

    // MARK: - Control

    /// Starts the drain loop; starting a running uploader does nothing.
    public func start() {
        guard loop == nil else { return }
        running = true
        logger.info("uploading to \(target.url)", ["rate": "\(drain.perSecond)/s", "burst": "\(drain.burst)"])
        loop = Task { await self.run() }
    }

    /// Stops the loop and waits for it. A request in flight may or may not reach the server;
    /// either way the measurement stays pending and its resend is a harmless conditional create.
    public func stop() async {
        guard let loop else { return }
        loop.cancel()
        await loop.value
        self.loop = nil
        running = false
        sending = false
    }

    /// A measurement was just saved: look at the queue now. Never blocks; a queue that is
    /// backing off or paused stays so.
    public nonisolated func wake() {
        wakeSignal.signal()
    }

    /// The uploader's figures for the metrics socket.
    public func metricFamilies() -> [MetricFamily] {
        let results = ["delivered", "retry_transport", "retry_status", "held", "auth_refused"]
        let count = Double(requestsByResult.values.reduce(0, +))
        return [
            MetricFamily(
                "vhr_upload_requests_total", .counter, help: "Upload requests sent, by how they ended.",
                samples: results.map { .init(Double(requestsByResult[$0] ?? 0), labels: [.init("result", $0)]) }),
            MetricFamily(
                "vhr_upload_request_duration_seconds", .summary,
                help: "Time from sending an upload request to its answer or failure.",
                samples: [.init(requestSeconds, suffix: "_sum"), .init(count, suffix: "_count")]),
            MetricFamily(
                "vhr_upload_paused", .gauge,
                help: "1 while the whole queue waits (outage backoff, refused or unreadable token, store error).",
                value: pause == nil ? 0 : 1),
            MetricFamily(
                "vhr_upload_alarms", .gauge, help: "Upload alarms raised and not yet cleared.",
                value: Double(alarms.count)),
        ]
    }

    private static func metricResult(_ outcome: UploadOutcome) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .retry(.transport): "retry_transport"
        case .retry: "retry_status"
        case .held(let reason) where reason.status == 401 || reason.status == 403: "auth_refused"
        case .held(let reason) where reason.entry == nil && setupStatuses.contains(reason.status): "retry_status"
        case .held: "held"
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// What the uploader is doing now.
    public func status() -> UploaderStatus {
        let now = clock.monotonicNow()
        let state: UploaderStatus.State
        if !running {
            state = .stopped
        } else if sending {
            state = .sending
        } else if let pause, pause.until > now || pause.isAuth {
            state =
                switch pause.cause {
                case .outage: .backingOff
                case .auth: .pausedAuth
                case .token: .waitingForToken
                case .store: .storeError
                }
        } else {
            state = .idle
        }
        return UploaderStatus(
            state: state, lastOutcome: lastOutcome, lastAttemptAt: lastAttemptAt,
            resumesIn: pause.map { max($0.until - now, .zero) }, delivered: delivered, retried: retried, held: held,
            alarms: alarms)
    }

    // MARK: - Loop

    private func run() async {
        while !Task.isCancelled {
            let wait = await step()
            if Task.isCancelled { break }
            if wait > .zero {
                await rest(wait)
            } else {
                await Task.yield()
            }
        }
    }

    /// Sleeps `duration` on the monotonic clock, or until `wake()`, or until cancelled.
    private func rest(_ duration: Duration) async {
        if wakeSignal.consume() { return }
        let clock = self.clock
        let signal = wakeSignal
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(for: duration) }
            group.addTask { await signal.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    /// One look at the queue: sends what is due and allowed; returns how long to wait before
    /// the next look (zero: look again at once).
    private func step() async -> Duration {
        if let wait = pauseRemaining() { return wait }
        let now = clock.now()
        let items: [OutboxItem]
        do {
            items = try store.pendingDeliveries(dueBy: now, limit: Self.batchSize)
        } catch {
            return storeFailed(error, doing: "read the upload queue")
        }
        guard !items.isEmpty else { return idleWait(now: now) }
        for item in items {
            if Task.isCancelled { return .zero }
            if let wait = await attempt(item) { return wait }
        }
        return .zero
    }

    /// How long the queue still waits, `nil` when it may go on. A paused-auth queue goes on as
    /// soon as the token file holds a different token, and looks for one every poll interval.
    private func pauseRemaining() -> Duration? {
        guard let pause else { return nil }
        let remaining = pause.until - clock.monotonicNow()
        if case .auth(let rejected) = pause.cause, case .success(let token) = tokenSource.read(), token != rejected {
            logger.notice("the upload token changed; trying it")
            self.pause = nil
            return nil
        }
        if case .token = pause.cause, case .success = tokenSource.read() {
            // The token file became readable (its permissions were fixed): no need to sit out the backoff.
            logger.notice("the upload token can be read again")
            self.pause = nil
            return nil
        }
        guard remaining > .zero else {
            // Time for a probe; the alarm and the failure counts stay until an attempt succeeds.
            self.pause = nil
            return nil
        }
        if case .token = pause.cause { return min(remaining, pollInterval) }
        return pause.isAuth ? min(remaining, pollInterval) : remaining
    }

    /// Nothing is due: pulls forward due times a backward clock step pushed out of reach, then
    /// sleeps until the earliest due row or the poll interval.
    private func idleWait(now: Date) -> Duration {
        do {
            let longest = policy.cap + policy.retryAfterLimit
            let moved = try store.pullForward(dueAfter: now.adding(longest), to: now)
            if moved > 0 {
                logger.notice(
                    "made measurements due now whose retry was further ahead than any backoff (the clock stepped back?)",
                    ["count": "\(moved)"])
                return .zero
            }
            guard let due = try store.nextDueDate() else { return pollInterval }
            // Never zero here: a row due but not returned (a race with a save) is seen on the next look.
            let until = Duration.seconds(max(due.timeIntervalSince(now), 0.05))
            return min(pollInterval, until)
        } catch {
            return storeFailed(error, doing: "read the upload queue")
        }
    }

    /// Sends one measurement; `nil` when the next may follow at once, else how long to wait.
    private func attempt(_ item: OutboxItem) async -> Duration? {
        let bundle: FHIRTransactionBundle
        do {
            bundle = try mapping.bundle(record: item.record, patientID: item.patientID, device: device(item.record))
        } catch {
            let reason = "cannot be uploaded: \(error)"
            do {
                try store.hold(id: item.id, reason: reason, at: clock.now())
            } catch {
                return storeFailed(error, doing: "hold a measurement")
            }
            storeWorked()
            reportHeld(item, message: reason)
            return nil
        }
        if case .wait(let wait) = drain.requestPermit(at: clock.monotonicNow()) { return wait }
        let token: String?
        switch tokenSource.read() {
        case .success(let read):
            token = read
            if tokenFailures > 0 {
                tokenFailures = 0
                clearAlarm("upload_token", "the upload token can be read again")
            }
        case .failure(let problem):
            tokenFailures += 1
            raiseAlarm("upload_token", problem.description)
            return pauseQueue(.token, wait: policy.delay(afterFailures: tokenFailures, using: &random))
        }

        sending = true
        lastAttemptAt = clock.now()
        let began = clock.monotonicNow()
        let result = await transport.postTransaction(bundle.body, to: target.url, token: token)
        requestSeconds += Self.seconds(clock.monotonicNow() - began)
        sending = false
        // Stopped mid-request (a restart): the request's fate is unknown and harmless (a
        // conditional create), so the row stays exactly as it was, with no failure recorded.
        if Task.isCancelled { return .zero }
        let now = clock.now()
        let (outcome, retryAfter) = classify(result, entries: bundle.entries.count, now: now)
        requestsByResult[Self.metricResult(outcome), default: 0] += 1
        lastOutcome = outcome.publicDescription

        switch outcome {
        case .delivered:
            do {
                try store.markDelivered(id: item.id, at: now)
            } catch {
                return storeFailed(error, doing: "mark a delivered measurement")
            }
            delivered += 1
            storeWorked()
            serverAnswered(at: now)
            logger.info("measurement delivered", ["measurement": item.id.uuidString.lowercased()])
            return nil
        case .held(let reason) where reason.status == 401 || reason.status == 403:
            return tokenRejected(token, status: reason.status)
        case .held(let reason) where reason.entry == nil && Self.setupStatuses.contains(reason.status):
            return setupRefused(item, status: reason.status, retryAfter: retryAfter, now: now)
        case .held(let reason):
            do {
                try store.hold(id: item.id, reason: reason.description, at: now)
            } catch {
                return storeFailed(error, doing: "hold a measurement")
            }
            storeWorked()
            serverAnswered(at: now)
            // The server's diagnostics may quote the patient's identifier: they stay in the store
            // (`vhrctl queue`), out of the log and the event.
            reportHeld(item, message: UploadOutcome.HoldReason(status: reason.status, entry: reason.entry).description)
            return nil
        case .retry(let cause):
            let delay = policy.delay(afterFailures: item.attempts + 1, retryAfter: retryAfter, using: &random)
            do {
                try store.recordFailure(id: item.id, error: outcome.publicDescription, nextAttempt: now.adding(delay))
            } catch {
                return storeFailed(error, doing: "record a failed upload")
            }
            retried += 1
            storeWorked()
            switch cause {
            case .entryStatus, .unconfirmed:
                // The server answered and the trouble is this record's: it backs off alone, the
                // rest goes on, and no outage is declared (which would pull its backoff forward).
                logger.warning(
                    "upload of one measurement failed; it is tried again later",
                    [
                        "measurement": item.id.uuidString.lowercased(), "outcome": outcome.publicDescription,
                        "wait_s": "\(delay.components.seconds)",
                    ])
                return nil
            case .transport, .status:
                break
            }
            outageFailures += 1
            let queueDelay = policy.delay(afterFailures: outageFailures, retryAfter: retryAfter, using: &random)
            logger.warning(
                "upload failed; the queue waits before trying again",
                [
                    "measurement": item.id.uuidString.lowercased(), "outcome": outcome.publicDescription,
                    "wait_s": "\(queueDelay.components.seconds)",
                ])
            return pauseQueue(.outage, wait: queueDelay)
        }
    }

    private func classify(_ result: FHIRTransportResult, entries: Int, now: Date) -> (UploadOutcome, Duration?) {
        switch result {
        case .failed(let failure):
            return (UploadOutcome(transportFailure: failure), nil)
        case .response(let status, let headers, let body):
            let outcome = UploadOutcome(status: status, body: body, expectedEntries: entries)
            guard let field = headers["retry-after"] else { return (outcome, nil) }
            // The response's own Date, when it has one, so a wrong kiosk clock cannot stretch an HTTP-date.
            let reference = headers["date"].flatMap { RetryPolicy.parseHTTPDate($0, now: now) } ?? now
            switch RetryPolicy.parseRetryAfter(field, now: reference) {
            case .success(let delay):
                return (outcome, delay)
            case .failure(let problem):
                logger.warning("\(problem)")
                return (outcome, nil)
            }
        }
    }

    // MARK: - Queue-wide conditions

    /// Whole-response statuses that say the request cannot work at all (a wrong URL, a proxy
    /// that wants its own login, a server that will not take FHIR JSON), whatever the record:
    /// holding each measurement in turn would hold the whole backlog with an alarm apiece.
    static let setupStatuses: Set<Int> = [405, 406, 407, 415, 426]

    /// The server or a proxy refused the request itself: the measurement stays pending, the
    /// queue waits like in an outage, and one alarm names the setting to check.
    private func setupRefused(_ item: OutboxItem, status: Int, retryAfter: Duration?, now: Date) -> Duration {
        let delay = policy.delay(afterFailures: item.attempts + 1, retryAfter: retryAfter, using: &random)
        do {
            try store.recordFailure(
                id: item.id, error: "HTTP \(status) for the whole request", nextAttempt: now.adding(delay))
        } catch {
            return storeFailed(error, doing: "record a failed upload")
        }
        storeWorked()
        retried += 1
        outageFailures += 1
        raiseAlarm(
            "upload_setup",
            "every upload is refused with HTTP \(status) before any measurement is looked at; check [upload] url"
                + " (the FHIR base) and any proxy between the room and the server. The queue waits; nothing is held"
                + " or lost")
        return pauseQueue(
            .outage, wait: policy.delay(afterFailures: outageFailures, retryAfter: retryAfter, using: &random))
    }

    private func pauseQueue(_ cause: Pause.Cause, wait: Duration) -> Duration {
        pause = Pause(until: clock.monotonicNow() + wait, cause: cause)
        if case .auth = cause { return min(wait, pollInterval) }
        return wait
    }

    private func tokenRejected(_ token: String?, status: Int) -> Duration {
        authFailures += 1
        let renew: String
        if target.tokenFile == nil, tokenSource.path != nil {
            // systemd's copy of a LoadCredential= file changes only when the service restarts.
            renew =
                "write a valid one into the credential's source (/etc/vhr/upload-token, LoadCredential= in"
                + " vhrd.service), then systemctl restart vhrd"
        } else {
            let source =
                tokenSource.path.map { "the token file \($0)" }
                ?? "a token ([upload] token-file or the upload-token credential)"
            renew = "write a valid one into \(source); uploads resume by themselves once it is accepted"
        }
        raiseAlarm(
            "upload_auth",
            "the FHIR server refused the bearer token (HTTP \(status)); renew the token: \(renew). Nothing is lost"
                + " meanwhile")
        return pauseQueue(
            .auth(rejectedToken: token), wait: policy.delay(afterFailures: authFailures, using: &random))
    }

    /// The server gave a verdict: it is reachable and took the token. After an outage, every
    /// waiting measurement is made due now, so the backlog drains at the drain rate instead of
    /// trickling out as each one's own backoff ends.
    private func serverAnswered(at now: Date) {
        if outageFailures > 0 {
            do {
                let moved = try store.pullForward(dueAfter: now, to: now)
                logger.notice("the FHIR server answers again; sending the backlog", ["waiting": "\(moved)"])
            } catch {
                logger.warning("cannot make the backlog due now; it follows its backoff", ["error": "\(error)"])
            }
        }
        outageFailures = 0
        clearAlarm("upload_setup", "the FHIR server takes uploads again")
        if authFailures > 0 {
            authFailures = 0
            clearAlarm("upload_auth", "the FHIR server accepts the upload token again; uploads resumed")
        }
    }

    private func storeFailed(_ error: any Error, doing action: String) -> Duration {
        storeFailures += 1
        raiseAlarm(
            "upload_store",
            "cannot \(action) in the state database (\(error)); the measurement stays queued and is sent again"
                + " later (harmlessly, the server keeps one copy); check the disk holding the state directory")
        return pauseQueue(.store, wait: policy.delay(afterFailures: storeFailures, using: &random))
    }

    private func storeWorked() {
        guard storeFailures > 0 else { return }
        storeFailures = 0
        clearAlarm("upload_store", "the state database works again")
    }

    // MARK: - Alarms

    /// Logs and publishes an alarm once per episode; a repeat only refreshes its message.
    private func raiseAlarm(_ kind: String, _ message: String) {
        if let index = alarms.firstIndex(where: { $0.kind == kind }) {
            alarms[index].message = message
            return
        }
        alarms.append(UploaderStatus.Alarm(kind: kind, message: message, since: clock.now()))
        logger.error(message, ["alarm": kind])
        events.publish(
            ControlEvent(name: "alarm", fields: ["kind": .string(kind), "message": .string(message)]), class: .room)
    }

    private func clearAlarm(_ kind: String, _ message: String) {
        guard let index = alarms.firstIndex(where: { $0.kind == kind }) else { return }
        alarms.remove(at: index)
        logger.notice(message, ["alarm": kind])
        events.publish(ControlEvent(name: "alarm.cleared", fields: ["kind": .string(kind)]), class: .room)
    }

    /// A held measurement is its own alarm, one per measurement; it stays listed by `vhrctl queue`.
    private func reportHeld(_ item: OutboxItem, message: String) {
        held += 1
        let id = item.id.uuidString.lowercased()
        logger.error("measurement held: \(message)", ["alarm": "upload_held", "measurement": id])
        events.publish(
            ControlEvent(
                name: "alarm",
                fields: ["kind": "upload_held", "measurement": .string(id), "message": .string(message)]),
            class: .room)
    }
}

extension UploadOutcome {
    /// The description without the server's diagnostics, which may quote patient identifiers.
    fileprivate var publicDescription: String {
        guard case .held(let reason) = self else { return description }
        return UploadOutcome.held(UploadOutcome.HoldReason(status: reason.status, entry: reason.entry)).description
    }
}

extension Date {
    fileprivate func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) * 1e-18)
    }
}
