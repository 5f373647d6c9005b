import Foundation
import Synchronization
import VHRCore

// A cuff that exists only in software. Each measurement is a `CuffSimulation` driven by one task
// that wakes once per report tick on the injected clock (simulated seconds / timeScale) and hands
// the model's events to the room's handler.
//
// Ordering: every event is delivered while holding `delivery`, so the last events of one
// measurement, the first of the next and a reconnect can never overtake each other. The state
// itself sits in `state`; the measuring task marks the cuff idle in the same step that hands out
// the result, so a room that starts the next measurement on `.completed` never sees `.busy`.
// `stop()` cancels and awaits every task, so nothing is delivered after it returns.

/// A simulated blood-pressure cuff that behaves like a real oscillometric one, including the
/// ways real cuffs fail, behind the same `BloodPressureCuff` interface as the real drivers.
///
/// It keeps one simulated patient per visit (`resetPatient()` draws the next one), so repeated
/// measurements in a visit agree within about ±5 mmHg. Faults come from `Settings.fault`, from
/// `inject(fault:once:)` at run time, or spontaneously with probability `Settings.faultRate`.
public final class SimulatedCuff: BloodPressureCuff, PatientResettable {
    public let info: DeviceInfo
    /// The settings it was created with; `inject(fault:once:)` changes the fault later.
    public let settings: Settings
    /// A simulated cuff can always start a measurement itself.
    public var canStartRemotely: Bool { true }

    private let clock: any Clock<Duration>
    private let now: @Sendable () -> Date
    private let state: Mutex<State>
    /// Held while events are handed to the handler; see the ordering note at the top.
    private let delivery = Mutex(())

    /// Creates a simulated cuff; nothing happens until `start(events:)`.
    ///
    /// - Parameters:
    ///   - info: How the room knows the device.
    ///   - settings: Time scale, faults, seed and the model's parameters.
    ///   - clock: The clock it sleeps on; tests inject a manual one.
    ///   - now: The room's wall clock, stamped on each reading.
    /// - Precondition: `settings.timeScale > 0`, `settings.faultRate` within 0…1 and valid
    ///   parameters (`Settings.parse` and `Parameters.invalidReason` check these for user input).
    public init(
        info: DeviceInfo, settings: Settings, clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        precondition(settings.timeScale > 0 && settings.timeScale.isFinite, "timeScale must be above 0")
        precondition((0...1).contains(settings.faultRate), "faultRate must be within 0...1")
        precondition(settings.parameters.invalidReason == nil, settings.parameters.invalidReason ?? "")
        self.info = info
        self.settings = settings
        self.clock = clock
        self.now = now
        var random = SeededRandom(seed: settings.seed ?? UInt64.random(in: .min ... .max))
        let patient = CuffSimulation.Patient.random(using: &random)
        self.state = Mutex(State(random: random, patient: patient, fault: settings.fault))
    }

    /// The current visit's simulated patient (the truth before per-measurement variation).
    public var patient: CuffSimulation.Patient {
        state.withLock { $0.patient }
    }

    /// The fault every measurement gets until it is cleared; nil when none is injected.
    public var injectedFault: CuffSimulation.Fault? {
        state.withLock { $0.fault }
    }

    // MARK: - BloodPressureCuff

    /// Opens the simulated device and sends `.connected`.
    ///
    /// - Throws: `.busy` when it is already started.
    public func start(events handler: @escaping @Sendable (CuffEvent) -> Void) async throws(DeviceError) {
        let opened = delivery.withLock { _ in
            let opened = state.withLock { state in
                guard !state.opened else { return false }
                state.opened = true
                state.handler = handler
                return true
            }
            if opened {
                handler(.connected)
            }
            return opened
        }
        guard opened else {
            throw DeviceError(.busy, "The simulated cuff '\(info.id)' is already started", hint: "stop it first")
        }
    }

    /// Starts one simulated measurement; `.started` follows at once.
    ///
    /// - Throws: `.busy` while a measurement runs, `.disconnected` while the device is away
    ///   (after a `disconnect` fault, for `reconnectDelay` simulated seconds) or not started.
    public func startMeasurement() async throws(DeviceError) {
        let result: Result<Void, DeviceError> = state.withLock { state in
            guard state.opened else {
                return .failure(
                    DeviceError(
                        .disconnected, "The simulated cuff '\(info.id)' is not open",
                        hint: "start it before measuring"))
            }
            guard !state.unplugged else {
                return .failure(
                    DeviceError(
                        .disconnected, "The simulated cuff '\(info.id)' is disconnected",
                        hint: "wait for it to reconnect, which takes \(settings.parameters.reconnectDelay) s"))
            }
            guard state.measurement == nil else {
                return .failure(
                    DeviceError(
                        .busy, "The simulated cuff '\(info.id)' is already measuring",
                        hint: "wait for the result or abort the measurement"))
            }
            let patient = state.patient.fluctuated(using: &state.random)
            let fault = state.onceFault ?? state.fault
            state.onceFault = nil
            state.measurement = CuffSimulation(
                parameters: settings.parameters, patient: patient, fault: fault, faultRate: settings.faultRate,
                seed: state.random.next())
            state.generation &+= 1
            let generation = state.generation
            state.runner = Task { await self.measure(generation: generation) }
            return .success(())
        }
        try result.get()
    }

    /// Stops a running measurement: the cuff exhausts fast, then sends `.failed(.aborted)`.
    /// Returns once that has been delivered; a no-op when idle.
    public func abortMeasurement() async {
        let runner: Task<Void, Never>? = state.withLock { state in
            guard state.measurement != nil else { return nil }
            state.measurement?.abort()
            return state.runner
        }
        await runner?.value
    }

    /// Cancels everything and closes the device; no event is delivered after it returns.
    public func stop() async {
        let tasks: [Task<Void, Never>] = state.withLock { state in
            let tasks = [state.runner, state.reconnect].compactMap(\.self)
            state.opened = false
            state.handler = nil
            state.measurement = nil
            state.unplugged = false
            state.runner = nil
            state.reconnect = nil
            state.generation &+= 1
            return tasks
        }
        for task in tasks {
            task.cancel()
        }
        for task in tasks {
            await task.value
        }
    }

    // MARK: - Simulation controls

    /// Injects a fault into the following measurements; a running one is not affected.
    ///
    /// - Parameters:
    ///   - fault: The fault, or nil to clear it.
    ///   - once: When true, `fault` applies to the next measurement only and the standing fault
    ///     (from the settings or an earlier call) stays; `inject(fault: nil, once: true)` cancels
    ///     a pending one-off. When false, `fault` replaces the standing fault until cleared.
    public func inject(fault: CuffSimulation.Fault?, once: Bool = false) {
        state.withLock { state in
            if once {
                state.onceFault = fault
            } else {
                state.fault = fault
                state.onceFault = nil
            }
        }
    }

    /// Forgets the current simulated patient and draws the next one; the room calls it when a
    /// visit ends.
    public func resetPatient() {
        state.withLock { state in
            state.patient = CuffSimulation.Patient.random(using: &state.random)
        }
    }

    // MARK: - Running

    private func measure(generation: UInt64) async {
        // `self.` matters: a bare `clock` also finds Glibc's clock(), which stops the existential
        // from being opened for the generic call.
        await measure(on: self.clock, generation: generation)
    }

    private func measure<C: Clock<Duration>>(on clock: C, generation: UInt64) async {
        let origin = clock.now
        let interval = 1 / settings.parameters.reportRate
        var tick = 0
        while true {
            let running = delivery.withLock { _ in
                let (events, handler, running) = state.withLock { state in
                    advance(&state, by: tick == 0 ? 0 : interval, generation: generation)
                }
                for event in events {
                    handler?(event)
                }
                return running
            }
            guard running else { return }
            tick += 1
            let deadline = origin.advanced(by: .seconds(Double(tick) * interval / settings.timeScale))
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return
            }
        }
    }

    /// One tick of the running measurement; returns its events, who gets them and whether the
    /// measurement goes on.
    private func advance(
        _ state: inout State, by seconds: Double, generation: UInt64
    ) -> ([CuffEvent], (@Sendable (CuffEvent) -> Void)?, Bool) {
        guard state.generation == generation, state.opened, var measurement = state.measurement else {
            return ([], nil, false)
        }
        let events = measurement.advance(by: seconds, now: now())
        guard measurement.isFinished else {
            state.measurement = measurement
            return (events, state.handler, true)
        }
        state.measurement = nil
        state.runner = nil
        if events.last == .disconnected {
            state.unplugged = true
            state.reconnect = Task { await self.reconnect(generation: generation) }
        }
        return (events, state.handler, false)
    }

    private func reconnect(generation: UInt64) async {
        let delay = settings.parameters.reconnectDelay / settings.timeScale
        do {
            try await self.clock.sleep(for: .seconds(delay))
        } catch {
            return
        }
        delivery.withLock { _ in
            let handler = state.withLock { state -> (@Sendable (CuffEvent) -> Void)? in
                guard state.generation == generation, state.opened else { return nil }
                state.unplugged = false
                state.reconnect = nil
                return state.handler
            }
            handler?(.connected)
        }
    }
}

// MARK: - State

extension SimulatedCuff {
    private struct State {
        var handler: (@Sendable (CuffEvent) -> Void)?
        var opened = false
        /// Gone after a `disconnect` fault, until the reconnect.
        var unplugged = false
        var measurement: CuffSimulation?
        var runner: Task<Void, Never>?
        var reconnect: Task<Void, Never>?
        /// Bumped by each measurement and by `stop()`, so a task that outlived its turn does nothing.
        var generation: UInt64 = 0
        var random: SeededRandom
        var patient: CuffSimulation.Patient
        var fault: CuffSimulation.Fault?
        var onceFault: CuffSimulation.Fault?

        init(random: SeededRandom, patient: CuffSimulation.Patient, fault: CuffSimulation.Fault?) {
            self.random = random
            self.patient = patient
            self.fault = fault
        }
    }
}
