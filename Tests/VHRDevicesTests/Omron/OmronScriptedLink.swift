import Foundation
import Synchronization
import VHRCore
import VHRDevices

/// A HID link that plays an Omron monitor from a script (the pattern of `PHD/ScriptedLink.swift`):
/// it delivers the monitor's reports one per `receive`, checks every report and feature report the
/// driver sends, and plays unplugs, absences and silences on a virtual clock.
///
/// While the script waits for the driver to send, a `receive` moves the virtual clock on by its
/// timeout (a blocked read); once the script has ended the clock stands still, so no further poll
/// comes due while a test stops the driver.
final class OmronScriptedLink: HIDFeatureReportSending {
    enum Step: Equatable {
        /// One input report from the monitor.
        case device([UInt8])
        /// One output report the driver must send.
        case host([UInt8])
        /// One feature report the driver must send.
        case feature([UInt8])
        case unplug
        case absent
        case plug
        case silence(Duration)
    }

    private struct State {
        var index = 0
        var silenceLeft: Duration?
        var present = true
        var open = false
        var now: Duration = .zero
        var failures: [String] = []
    }

    let steps: [Step]
    private let state = Mutex(State())

    var endpointDescription: String { "omron script" }

    init(_ steps: [Step]) {
        self.steps = steps
    }

    var failures: [String] { state.withLock { $0.failures } }
    var isFinished: Bool { state.withLock { $0.index >= steps.count } }
    var now: Duration { state.withLock { $0.now } }

    /// Waits (real time, at most `limit`) until `condition` holds; false if it never did.
    func wait(upTo limit: Duration = .seconds(20), until condition: () -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return condition()
    }

    /// The virtual monotonic clock, a wall clock `base` plus virtual time, and a sleep that moves it.
    func timing(base: Date) -> OmronCuff.Timing {
        OmronCuff.Timing(
            now: { [self] in now },
            wallClock: { [self] in
                let (seconds, attoseconds) = now.components
                return base.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
            },
            sleep: { [self] duration in
                state.withLock { $0.now += duration }
                Thread.sleep(forTimeInterval: 0.001)
            })
    }

    func open() throws(DeviceError) {
        let absent: Bool = state.withLock { state in
            if state.index < steps.count {
                switch steps[state.index] {
                case .plug:
                    state.index += 1
                    state.present = true
                case .absent:
                    state.index += 1
                    state.present = false
                default: break
                }
            }
            state.open = state.present
            return !state.present
        }
        if absent { throw DeviceError(.notFound, "scripted monitor absent") }
    }

    func receive(timeout: Duration) throws(DeviceError) -> [UInt8] {
        enum Outcome {
            case report([UInt8])
            case idle
            case unplugged
        }
        let outcome: Outcome = state.withLock { state in
            guard state.open else { return .idle }
            guard state.index < steps.count else { return .idle }
            switch steps[state.index] {
            case .device(let report):
                state.index += 1
                return .report(report)
            case .silence(let length):
                let left = state.silenceLeft ?? length
                let step = min(left, timeout)
                state.now += step
                if left - step <= .zero {
                    state.silenceLeft = nil
                    state.index += 1
                } else {
                    state.silenceLeft = left - step
                }
                return .idle
            case .unplug:
                state.index += 1
                state.present = false
                state.open = false
                return .unplugged
            case .host, .feature:
                state.now += timeout
                return .idle
            case .absent, .plug:
                return .idle
            }
        }
        switch outcome {
        case .report(let report): return report
        case .unplugged: throw DeviceError(.disconnected, "scripted unplug")
        case .idle:
            Thread.sleep(forTimeInterval: 0.001)
            return []
        }
    }

    func send(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        try expect(.host(bytes))
    }

    func sendFeatureReport(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        try expect(.feature(bytes))
    }

    private func expect(_ sent: Step) throws(DeviceError) {
        let failure: DeviceError? = state.withLock { state in
            guard state.open else { return DeviceError(.disconnected, "scripted monitor unplugged") }
            // The driver speaking ends a silence early (its timer fired within it).
            if state.index < steps.count, case .silence = steps[state.index] {
                state.index += 1
                state.silenceLeft = nil
            }
            guard state.index < steps.count, steps[state.index] == sent else {
                let wanted = state.index < steps.count ? "step \(state.index) \(steps[state.index])" : "the end"
                state.failures.append("driver sent \(sent) at \(wanted)")
                return DeviceError(.write, "unexpected \(sent)")
            }
            state.index += 1
            return nil
        }
        if let failure { throw failure }
    }

    func close() {
        state.withLock { $0.open = false }
    }
}
