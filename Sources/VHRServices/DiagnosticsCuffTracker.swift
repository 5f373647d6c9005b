import Foundation
import Synchronization
import VHRCore

/// What each cuff reported while `vhrctl diag --direct` held it open, in the shape of
/// `Room.devicesView()`.
final class DiagnosticsCuffTracker: Sendable {
    private struct State {
        var connected = false
        var error: String?
    }

    private let cuffs: [DeviceInfo]
    private let states: Mutex<[String: State]>

    init(cuffs: [DeviceInfo]) {
        self.cuffs = cuffs
        states = Mutex(Dictionary(uniqueKeysWithValues: cuffs.map { ($0.id, State()) }))
    }

    func record(_ event: CuffEvent, from id: String) {
        states.withLock { states in
            switch event {
            case .connected:
                states[id]?.connected = true
                states[id]?.error = nil
            case .disconnected:
                states[id]?.connected = false
            default:
                break
            }
        }
    }

    func fail(_ id: String, _ error: String) {
        states.withLock { $0[id]?.error = error }
    }

    /// Each cuff as `ready` (it answered), `fault` (with the driver's error) or `disconnected`.
    func view(waited seconds: Double) -> JSONValue {
        let snapshot = states.withLock { $0 }
        return .array(
            cuffs.map { info in
                let state = snapshot[info.id] ?? State()
                let error =
                    state.error
                    ?? (state.connected
                        ? nil
                        : "no answer in the \(seconds.formatted(.number.precision(.fractionLength(0...1)))) s test")
                return [
                    "id": .string(info.id), "kind": .string(info.kind.rawValue),
                    "state": .string(state.connected ? "ready" : state.error == nil ? "disconnected" : "fault"),
                    "error": error.map { .string($0) } ?? .null,
                ]
            })
    }
}
