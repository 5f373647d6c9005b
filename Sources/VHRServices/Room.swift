import Foundation
import VHRCore

/// The room: its devices, the visit in progress and the measurements taken in it.
///
/// Every control request that changes the room lands here, one at a time. Device events
/// arrive through one ordered stream per cuff, so a result can never overtake the pressures
/// that led to it.
public actor Room {
    /// A cuff and what the room knows of it now.
    private struct CuffSlot {
        var cuff: any BloodPressureCuff
        var connected = false
        var phase: CuffPhase = .idle
        var pressure: Double?
        /// The measurement in progress: who waits for it and which visit it belongs to.
        var pending: PendingMeasurement?
        var lastError: String?
        /// For the metrics: disconnections and failed measurements since vhrd started.
        var disconnections = 0
        var failures: [CuffFailure: Int] = [:]
    }

    private struct PendingMeasurement {
        var visitID: String
        var waiters: [CheckedContinuation<MeasurementRecord, any Error>]
    }

    private let name: String
    private var cuffs: [String: CuffSlot] = [:]
    private let cuffOrder: [String]
    private let stethoscopes: [any Stethoscope]
    private let store: MeasurementStore
    private let events: EventHub
    private let gate: VisitGate
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let startedAt: Date
    private var visit: Visit?
    /// Results of the active visit, newest last. Emptied when the visit ends.
    private var visitMeasurements: [MeasurementRecord] = []
    private var eventTasks: [Task<Void, Never>] = []
    /// Called after a visit ends, so the audio path can forget the last patient.
    private let onVisitEnded: @Sendable () -> Void
    /// Called after a measurement's commit, so the uploader looks at once.
    private let onMeasurementSaved: @Sendable (MeasurementRecord) -> Void
    /// Refuses new measurements while the disk is nearly full; `nil` checks nothing.
    private let storage: StorageGuard?
    /// The last failed save (disk I/O, a failed commit), raised once as an alarm and cleared by
    /// the next save that commits.
    private var saveAlarm: String?
    /// For the metrics: measurements committed and saves that failed since vhrd started.
    private var savedCount = 0
    private var saveFailureCount = 0

    public init(
        name: String, cuffs: [any BloodPressureCuff], stethoscopes: [any Stethoscope], store: MeasurementStore,
        events: EventHub, gate: VisitGate, logger: Logger, now: @escaping @Sendable () -> Date = Date.init,
        storage: StorageGuard? = nil, onVisitEnded: @escaping @Sendable () -> Void = {},
        onMeasurementSaved: @escaping @Sendable (MeasurementRecord) -> Void = { _ in }
    ) {
        self.name = name
        self.cuffOrder = cuffs.map(\.info.id)
        self.cuffs = Dictionary(uniqueKeysWithValues: cuffs.map { ($0.info.id, CuffSlot(cuff: $0)) })
        self.stethoscopes = stethoscopes
        self.store = store
        self.events = events
        self.gate = gate
        self.logger = logger
        self.now = now
        self.startedAt = now()
        self.onVisitEnded = onVisitEnded
        self.onMeasurementSaved = onMeasurementSaved
        self.storage = storage
    }

    // MARK: - Lifecycle

    /// Opens the cuffs and resumes a visit that was open when the daemon last stopped.
    public func start() async throws {
        if let open = try store.openVisit() {
            visit = open
            visitMeasurements = try store.measurements(visitID: open.id)
            gate.set(true)
            logger.notice("visit resumed after restart", ["visit": open.id])
            tellCuffs { $0.visitStarted(at: open.startedAt) }
        }
        for id in cuffOrder {
            guard let cuff = cuffs[id]?.cuff else { continue }
            let (stream, continuation) = AsyncStream.makeStream(of: CuffEvent.self)
            eventTasks.append(
                Task { [weak self] in
                    for await event in stream { await self?.handle(event, from: id) }
                })
            do {
                try await cuff.start { continuation.yield($0) }
            } catch {
                cuffs[id]?.lastError = error.description
                logger.error("cuff did not start", ["device": id, "error": error.description])
            }
        }
    }

    /// Deflates any cuff that is measuring and releases the devices.
    public func shutdown() async {
        for id in cuffOrder {
            guard let slot = cuffs[id] else { continue }
            if slot.pending != nil || slot.phase != .idle { await slot.cuff.abortMeasurement() }
            await slot.cuff.stop()
            failWaiters(of: id, with: RemoteError(code: "shutting_down", message: "vhrd is shutting down", hint: nil))
        }
        for task in eventTasks { task.cancel() }
        eventTasks.removeAll()
    }

    // MARK: - Visits

    public func startVisit(id: String, patientID: String) throws -> Visit {
        try Visit.validate(visitID: id, patientID: patientID)
        if let visit { throw VisitError.alreadyActive(visitID: visit.id) }
        let started = Visit(id: id, patientID: patientID, startedAt: now())
        try store.beginVisit(started)
        visit = started
        visitMeasurements = []
        tellCuffs { $0.visitStarted(at: started.startedAt) }
        gate.set(true)
        logger.info("visit started", ["visit": id])
        events.publish(ControlEvent(name: "visit.started", fields: ["visit": .string(id)]), class: .room)
        return started
    }

    /// Runs `body` on every cuff that keeps per-patient state.
    private func tellCuffs(_ body: (any PatientResettable) -> Void) {
        for id in cuffOrder {
            if let cuff = cuffs[id]?.cuff as? any PatientResettable { body(cuff) }
        }
    }

    /// Ends the active visit and resets the room for the next patient.
    /// - Returns: the ended visit and how many measurements it holds.
    public func endVisit(id: String?) async throws -> (visit: Visit, measurements: Int) {
        guard let active = visit else { throw VisitError.noActiveVisit }
        if let id, id != active.id { throw VisitError.mismatchedVisit(active: active.id, requested: id) }
        // A measurement still running belongs to this patient: stop it rather than let its
        // result land in the next visit.
        for id in cuffOrder where cuffs[id]?.pending != nil {
            await cuffs[id]?.cuff.abortMeasurement()
            failWaiters(of: id, with: RemoteError(code: "aborted", message: "the visit ended", hint: nil))
        }
        try store.endVisit(id: active.id, at: now())
        let count = visitMeasurements.count
        visit = nil
        visitMeasurements = []
        for id in cuffOrder {
            cuffs[id]?.pressure = nil
            cuffs[id]?.phase = .idle
        }
        tellCuffs { $0.resetPatient() }
        gate.set(false)
        onVisitEnded()
        logger.info("visit ended", ["visit": active.id, "measurements": String(count)])
        events.publish(ControlEvent(name: "visit.ended", fields: ["visit": .string(active.id)]), class: .room)
        return (active, count)
    }

    public var activeVisit: Visit? { visit }

    // MARK: - Measurements

    /// Starts a measurement on a cuff and waits for its result.
    /// - Throws: `RemoteError` with a code the kiosk can act on.
    public func measureBloodPressure(deviceID: String?) async throws -> MeasurementRecord {
        guard let active = visit else {
            throw RemoteError(
                code: "no_visit", message: "no visit is active", hint: "start a visit before measuring")
        }
        let id = try resolveCuff(deviceID)
        guard let slot = cuffs[id] else { throw RemoteError(code: "internal", message: "cuff vanished", hint: nil) }
        // Before the patient inflates a cuff for nothing.
        if let refusal = storage?.refusal() { throw refusal }
        guard slot.pending == nil else {
            throw RemoteError(
                code: "busy", message: "\(id) is already measuring", hint: "wait for it to finish or abort it")
        }
        guard slot.cuff.canStartRemotely else {
            throw RemoteError(
                code: "not_supported", message: "\(id) cannot be started remotely",
                hint: "ask the patient to press the start button on the monitor")
        }
        cuffs[id]?.pending = PendingMeasurement(visitID: active.id, waiters: [])
        do {
            try await slot.cuff.startMeasurement()
        } catch {
            cuffs[id]?.pending = nil
            throw RemoteError(code: error.code.rawValue, message: error.message, hint: error.hint)
        }
        logger.info("measurement started", ["device": id, "visit": active.id])
        return try await withCheckedThrowingContinuation { continuation in
            if cuffs[id]?.pending != nil {
                cuffs[id]?.pending?.waiters.append(continuation)
            } else {
                // The cuff finished (or failed) between the start and this suspension point.
                continuation.resume(
                    throwing: RemoteError(code: "aborted", message: "the measurement ended early", hint: nil))
            }
        }
    }

    /// Switches a stethoscope's listening mode (bell, diaphragm, extended) while it streams.
    public func setStethoscopeFilter(deviceID: String?, mode: StethoscopeFilter.Mode) throws -> String {
        let stethoscope = deviceID.map { id in stethoscopes.first { $0.info.id == id } } ?? stethoscopes.first
        guard let stethoscope else {
            throw RemoteError(
                code: "not_found",
                message: deviceID.map { "no stethoscope named '\($0)' in this room" } ?? "this room has no stethoscope",
                hint: "'vhrctl devices' lists the room's devices")
        }
        guard let switching = stethoscope as? any StethoscopeFilterSwitching else {
            throw RemoteError(
                code: "not_supported", message: "stethoscope '\(stethoscope.info.id)' has no listening modes",
                hint: "only a USB audio stethoscope filters; a simulated one plays its source as it is")
        }
        switching.setFilter(mode)
        logger.info("stethoscope filter", ["device": stethoscope.info.id, "mode": mode.description])
        events.publish(
            ControlEvent(
                name: "stethoscope.filter",
                fields: ["device": .string(stethoscope.info.id), "mode": .string(mode.description)]),
            class: .room)
        return stethoscope.info.id
    }

    public func abortMeasurement(deviceID: String?) async throws -> String {
        let id = try resolveCuff(deviceID)
        await cuffs[id]?.cuff.abortMeasurement()
        return id
    }

    private func resolveCuff(_ deviceID: String?) throws -> String {
        if let deviceID {
            guard cuffs[deviceID] != nil else {
                throw RemoteError(
                    code: "not_found", message: "no cuff named '\(deviceID)' in this room",
                    hint: "'vhrctl devices' lists the room's devices")
            }
            return deviceID
        }
        guard let first = cuffOrder.first else {
            throw RemoteError(
                code: "not_found", message: "this room has no blood-pressure cuff",
                hint: "add a [device] with a bp-cuff profile to vhrd.conf")
        }
        return first
    }

    // MARK: - Device events

    private func handle(_ event: CuffEvent, from id: String) {
        guard cuffs[id] != nil else { return }
        switch event {
        case .connected:
            cuffs[id]?.connected = true
            cuffs[id]?.lastError = nil
            logger.info("device connected", ["device": id])
            events.publish(ControlEvent(name: "device.connected", fields: ["device": .string(id)]), class: .room)
        case .disconnected:
            cuffs[id]?.disconnections += 1
            cuffs[id]?.connected = false
            cuffs[id]?.phase = .idle
            cuffs[id]?.pressure = nil
            logger.warning("device disconnected", ["device": id])
            events.publish(ControlEvent(name: "device.disconnected", fields: ["device": .string(id)]), class: .room)
        case .started:
            cuffs[id]?.phase = .inflating
            if cuffs[id]?.pending == nil, let visit {
                // The patient pressed the monitor's own button: still this visit's measurement.
                cuffs[id]?.pending = PendingMeasurement(visitID: visit.id, waiters: [])
            }
            events.publish(ControlEvent(name: "bp.started", fields: ["device": .string(id)]), class: .readings)
        case .pressure(let sample):
            cuffs[id]?.phase = sample.phase
            cuffs[id]?.pressure = sample.pressure
            events.publish(
                ControlEvent(
                    name: "bp.pressure",
                    fields: [
                        "device": .string(id), "phase": .string(sample.phase.rawValue),
                        "pressure": .double((sample.pressure * 10).rounded() / 10), "unit": "mmHg",
                        "elapsed": .double((sample.elapsed * 100).rounded() / 100),
                    ]), class: .readings)
        case .completed(let reading):
            cuffs[id]?.phase = .idle
            cuffs[id]?.pressure = nil
            completeMeasurement(reading, from: id)
        case .failed(let failure):
            cuffs[id]?.failures[failure, default: 0] += 1
            cuffs[id]?.phase = .idle
            cuffs[id]?.pressure = nil
            logger.notice("measurement failed", ["device": id, "reason": failure.rawValue])
            events.publish(
                ControlEvent(
                    name: "bp.failed",
                    fields: [
                        "device": .string(id), "reason": .string(failure.rawValue), "advice": .string(failure.advice),
                    ]), class: .readings)
            failWaiters(
                of: id, with: RemoteError(code: failure.rawValue, message: failure.advice, hint: nil))
        }
    }

    private func completeMeasurement(_ reading: BloodPressureReading, from id: String) {
        let pending = cuffs[id]?.pending
        cuffs[id]?.pending = nil
        guard let slot = cuffs[id], let visitID = pending?.visitID ?? visit?.id, visitID == visit?.id else {
            // No visit to bind it to: keeping it would attach one patient's reading to nobody
            // (or to the next patient). Say so loudly instead.
            logger.warning("reading outside a visit discarded", ["device": id])
            return
        }
        let recordedAt = now()
        // One identifier at capture, never regenerated: a name-based UUID, so a device that sends a
        // stored reading again (dated by its own clock) yields the same measurement, not a second one.
        let identity = MeasurementIdentity.bloodPressure(
            reading, device: .room(profile: slot.cuff.info.profile, name: id), patient: visit?.patientID ?? "",
            timestamp: reading.clock == .device ? .device(reading.measuredAt) : .received(recordedAt))
        let record = MeasurementRecord(
            id: identity.uuid, visitID: visitID, deviceID: id, profile: slot.cuff.info.profile, reading: reading,
            recordedAt: recordedAt)
        if let saved = visitMeasurements.first(where: { $0.id == record.id }) {
            logger.notice(
                "reading sent again; already saved",
                ["device": id, "measurement": saved.id.uuidString.lowercased()])
            for waiter in pending?.waiters ?? [] { waiter.resume(returning: saved) }
            return
        }
        do {
            if let refusal = storage?.refusal(atSave: true) { throw refusal }
            try store.save(record)
        } catch {
            // Not saved, so the kiosk is not told "saved"; the values go to the journal in full
            // so a clinician can still recover them by hand.
            logger.error(
                "measurement could not be saved",
                [
                    "device": id, "visit": visitID, "measurement": record.id.uuidString.lowercased(),
                    "error": "\(error)", "systolic": "\(reading.systolic)",
                    "diastolic": "\(reading.diastolic)", "map": "\(reading.meanArterial)", "pulse": "\(reading.pulse)",
                    "measured_at": reading.measuredAt.ISO8601Format(),
                ])
            let failure =
                (error as? RemoteError)
                ?? RemoteError(
                    code: "not_saved", message: "the measurement could not be saved: \(error)",
                    hint: "a technician should check the state directory's disk")
            saveFailureCount += 1
            if failure.code != "disk_full", saveAlarm == nil {
                // StorageGuard raised its own alarm for a full disk; anything else is raised here.
                let message = "a measurement could not be saved (\(error)); a technician should check the state disk"
                saveAlarm = message
                events.publish(
                    ControlEvent(name: "alarm", fields: ["kind": "store_write", "message": .string(message)]),
                    class: .room)
            }
            for waiter in pending?.waiters ?? [] { waiter.resume(throwing: failure) }
            return
        }
        savedCount += 1
        if saveAlarm != nil {
            saveAlarm = nil
            logger.notice("measurements are saved again")
            events.publish(ControlEvent(name: "alarm.cleared", fields: ["kind": "store_write"]), class: .room)
        }
        visitMeasurements.append(record)
        logger.info(
            "measurement saved", ["device": id, "visit": visitID, "measurement": record.id.uuidString.lowercased()])
        events.publish(ControlEvent(name: "bp.result", fields: Self.fields(of: record)), class: .readings)
        for waiter in pending?.waiters ?? [] { waiter.resume(returning: record) }
        onMeasurementSaved(record)
    }

    private func failWaiters(of id: String, with error: RemoteError) {
        let waiters = cuffs[id]?.pending?.waiters ?? []
        cuffs[id]?.pending = nil
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    // MARK: - Views

    public func statusView() -> JSONValue {
        var result: [String: JSONValue] = [
            "room": .string(name),
            "started": .string(startedAt.ISO8601Format()),
            "uptime_s": .int(Int64(now().timeIntervalSince(startedAt))),
            "devices": devicesView(),
        ]
        if let visit {
            result["visit"] = [
                "id": .string(visit.id), "started": .string(visit.startedAt.ISO8601Format()),
                "measurements": .int(Int64(visitMeasurements.count)),
            ]
        } else {
            result["visit"] = .null
        }
        // The room's health figure for store-and-forward: how long the oldest unsent measurement waits.
        if let summary = try? store.queueSummary(now: now()) {
            result["outbox"] = [
                "pending": .int(Int64(summary.pending)), "held": .int(Int64(summary.held)),
                "oldest_unsent_age_s": summary.oldestUnsentAge.map { .int(Int64($0.rounded(.down))) } ?? .null,
            ]
        }
        var alarms: [JSONValue] = []
        if let saveAlarm { alarms.append(["kind": "store_write", "message": .string(saveAlarm)]) }
        // Through refusal(), so space that came back clears the alarm here too, not only at the
        // next measurement.
        if let refusal = storage?.refusal() {
            alarms.append(["kind": "disk_full", "message": .string(refusal.message + "; " + (refusal.hint ?? ""))])
        }
        result["alarms"] = .array(alarms)
        return .object(result)
    }

    /// The room's figures for the metrics socket: devices, measurements, the outbox, alarms.
    public func metricFamilies() -> [MetricFamily] {
        var families = [
            MetricFamily(
                "vhr_device_connected", .gauge, help: "1 while the device is connected and answering.",
                samples: cuffOrder.map { id in
                    .init(cuffs[id]?.connected == true ? 1 : 0, labels: [.init("device", id)])
                }),
            MetricFamily(
                "vhr_device_disconnections_total", .counter, help: "Times the device went away.",
                samples: cuffOrder.map { id in
                    .init(Double(cuffs[id]?.disconnections ?? 0), labels: [.init("device", id)])
                }),
            MetricFamily(
                "vhr_measurement_failures_total", .counter,
                help: "Measurements the device reported as failed, by reason.",
                samples: cuffOrder.flatMap { id in
                    CuffFailure.allCases.map { failure in
                        .init(
                            Double(cuffs[id]?.failures[failure] ?? 0),
                            labels: [.init("device", id), .init("reason", failure.rawValue)])
                    }
                }),
            MetricFamily(
                "vhr_measurements_saved_total", .counter, help: "Measurements committed to the store.",
                value: Double(savedCount)),
            MetricFamily(
                "vhr_measurement_save_failures_total", .counter,
                help: "Readings that could not be saved (disk full, I/O error); the kiosk was told.",
                value: Double(saveFailureCount)),
            MetricFamily("vhr_visit_active", .gauge, help: "1 while a visit is open.", value: visit == nil ? 0 : 1),
            MetricFamily(
                "vhr_alarm_active", .gauge, help: "1 while the room's alarm of this kind is raised.",
                samples: [
                    .init(saveAlarm == nil ? 0 : 1, labels: [.init("kind", "store_write")]),
                    .init(storage?.refusal() == nil ? 0 : 1, labels: [.init("kind", "disk_full")]),
                ]),
        ]
        if let summary = try? store.queueSummary(now: now()) {
            families += [
                MetricFamily(
                    "vhr_outbox_measurements", .gauge, help: "Measurements in the outbox, by delivery state.",
                    samples: [
                        .init(Double(summary.pending), labels: [.init("state", "pending")]),
                        .init(Double(summary.held), labels: [.init("state", "held")]),
                        .init(Double(summary.delivered), labels: [.init("state", "delivered")]),
                    ]),
                MetricFamily(
                    "vhr_outbox_oldest_unsent_age_seconds", .gauge,
                    help: "Age of the oldest measurement not yet delivered (pending or held); 0 when none.",
                    value: summary.oldestUnsentAge ?? 0),
            ]
        }
        return families
    }

    /// The outbox for `vhrctl queue`: counts, ages, and every held measurement with its reason.
    public func queueView() throws -> JSONValue {
        let summary = try outbox("read") { try store.queueSummary(now: now()) }
        func age(_ value: TimeInterval?) -> JSONValue { value.map { .int(Int64($0.rounded(.down))) } ?? .null }
        return [
            "pending": .int(Int64(summary.pending)), "delivered": .int(Int64(summary.delivered)),
            "held": .int(Int64(summary.held)), "oldest_unsent_age_s": age(summary.oldestUnsentAge),
            "oldest_pending_age_s": age(summary.oldestPendingAge),
            "held_items": .array(
                summary.heldItems.map { item in
                    [
                        "id": .string(item.id), "reason": .string(item.reason),
                        "held_at": item.heldAt.map { .string($0.ISO8601Format()) } ?? .null,
                        "created_at": item.createdAt.map { .string($0.ISO8601Format()) } ?? .null,
                        "attempts": .int(Int64(item.attempts)),
                        "last_error": item.lastError.map { .string($0) } ?? .null,
                    ]
                }),
        ]
    }

    /// Every held measurement whole, with why it is held (`vhrctl queue export`), so a technician can
    /// hand it to the care provider by another way. A held row whose measurement cannot be read is
    /// listed with `measurement: null`.
    public func exportHeld() throws -> JSONValue {
        try outbox("read") {
            let held = try store.queueSummary(now: now()).heldItems
            return [
                "held": .array(
                    try held.map { item in
                        let record = try UUID(uuidString: item.id).flatMap { try store.measurement(id: $0) }
                        return [
                            "id": .string(item.id), "reason": .string(item.reason),
                            "held_at": item.heldAt.map { .string($0.ISO8601Format()) } ?? .null,
                            "measurement": record.map { .object(Self.fields(of: $0)) } ?? .null,
                        ]
                    })
            ]
        }
    }

    /// Puts held measurements back in the queue (`vhrctl queue retry`): one by id, or all when `id` is nil.
    /// - Returns: the ids released.
    public func retryHeld(id: String?) throws -> [String] {
        try outbox("changed") {
            let held = try store.queueSummary(now: now()).heldItems.map(\.id)
            let chosen = id.map { [$0] } ?? held
            if let id, !held.contains(id) {
                throw RemoteError(
                    code: "not_found", message: "no held measurement '\(id)'",
                    hint: "'vhrctl queue' lists the held ones")
            }
            for item in chosen {
                guard let uuid = UUID(uuidString: item) else { continue }
                try store.release(id: uuid)
                logger.notice("held measurement queued again", ["measurement": item])
            }
            return chosen
        }
    }

    /// Runs an outbox operation; a store failure becomes the error the technician acts on, a
    /// `RemoteError` passes through.
    private func outbox<T>(_ verb: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RemoteError {
            throw error
        } catch {
            throw RemoteError(
                code: "store", message: "the outbox could not be \(verb): \(error)",
                hint: "a technician should check the state directory's disk")
        }
    }

    public func devicesView() -> JSONValue {
        var list: [JSONValue] = []
        for id in cuffOrder {
            guard let slot = cuffs[id] else { continue }
            var entry = Self.fields(of: slot.cuff.info)
            entry["state"] = .string(
                !slot.connected
                    ? (slot.lastError == nil ? "disconnected" : "fault")
                    : slot.phase == .idle ? "ready" : "measuring")
            if let error = slot.lastError { entry["error"] = .string(error) }
            list.append(.object(entry))
        }
        for stethoscope in stethoscopes {
            var entry = Self.fields(of: stethoscope.info)
            entry["state"] = "streaming"
            if let health = stethoscope as? any CaptureHealthReporting {
                if !health.isCapturing { entry["state"] = health.lastError == nil ? "waiting" : "fault" }
                if let error = health.lastError { entry["error"] = .string(error.description) }
                entry["overruns"] = .int(Int64(health.overruns))
            }
            entry["format"] = .string(stethoscope.format.sampleFormat.rawValue)
            entry["rate"] = .int(Int64(stethoscope.format.sampleRate))
            entry["channels"] = .int(Int64(stethoscope.format.channels))
            if let switching = stethoscope as? any StethoscopeFilterSwitching {
                entry["filter"] = .string(switching.filterMode.description)
            }
            list.append(.object(entry))
        }
        return .array(list)
    }

    /// What the clinician sees live: each cuff's phase and pressure, and this visit's results.
    public func readingsView() -> JSONValue {
        var cuffViews: [JSONValue] = []
        for id in cuffOrder {
            guard let slot = cuffs[id] else { continue }
            cuffViews.append([
                "device": .string(id), "phase": .string(slot.phase.rawValue),
                "pressure": slot.pressure.map { .double(($0 * 10).rounded() / 10) } ?? .null,
            ])
        }
        return [
            "visit": visit.map { .string($0.id) } ?? .null,
            "cuffs": .array(cuffViews),
            "measurements": .array(visitMeasurements.map { .object(Self.fields(of: $0)) }),
        ]
    }

    static func fields(of info: DeviceInfo) -> [String: JSONValue] {
        [
            "id": .string(info.id), "kind": .string(info.kind.rawValue), "profile": .string(info.profile),
            "model": .string(info.model), "transport": .string(info.transport), "simulated": .bool(info.simulated),
        ]
    }

    static func fields(of record: MeasurementRecord) -> [String: JSONValue] {
        let reading = record.reading
        return [
            "id": .string(record.id.uuidString.lowercased()), "visit": .string(record.visitID),
            "device": .string(record.deviceID), "profile": .string(record.profile),
            "systolic": .int(Int64(reading.systolic)), "diastolic": .int(Int64(reading.diastolic)),
            "map": .int(Int64(reading.meanArterial)), "pulse": .int(Int64(reading.pulse)),
            "pressure_unit": "mmHg", "pulse_unit": "/min",
            "measured_at": .string(reading.measuredAt.ISO8601Format()),
        ]
    }
}
