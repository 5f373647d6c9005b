import Foundation

/// A delivery-queue operation that does not apply to the measurement named.
public enum OutboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No measurement with this identifier is stored.
    case unknownMeasurement(id: UUID)
    /// The measurement is in a state where `action` makes no sense (e.g. retrying a delivered one).
    case notAllowed(id: UUID, action: String, state: DeliveryState)

    public var description: String {
        switch self {
        case .unknownMeasurement(let id):
            "no measurement \(id.uuidString.lowercased()) is stored; check the identifier with vhrctl queue"
        case .notAllowed(let id, let action, let state):
            "cannot \(action) measurement \(id.uuidString.lowercased()): it is \(state.rawValue); "
                + Self.advice(for: state)
        }
    }

    private static func advice(for state: DeliveryState) -> String {
        switch state {
        case .pending: "it is still queued and needs no release"
        case .delivered: "it is already in the patient's record, nothing to do"
        case .held: "release it first with vhrctl queue retry"
        }
    }
}
