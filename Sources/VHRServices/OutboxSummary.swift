import Foundation

/// The state of the delivery queue, for `vhrctl queue`, `vhrctl status` and the daemon's status
/// line. Produced by `MeasurementStore.queueSummary(now:)`.
public struct OutboxSummary: Sendable, Equatable {
    /// Measurements waiting for the uploader.
    public var pending: Int
    /// Measurements the server acknowledged.
    public var delivered: Int
    /// Measurements waiting for an operator.
    public var held: Int
    /// Age of the oldest pending measurement, `nil` when none is pending: the uploader's progress.
    public var oldestPendingAge: TimeInterval?
    /// Age of the oldest measurement not yet in the patient's record (pending or held), `nil`
    /// when everything is delivered: the room's health figure.
    public var oldestUnsentAge: TimeInterval?
    /// Every held measurement, oldest first, with the reason.
    public var heldItems: [HeldItem]

    /// One held measurement.
    public struct HeldItem: Sendable, Equatable {
        /// The measurement identifier as stored (a lowercase UUID unless the row is damaged).
        public var id: String
        /// Why it is held: the server's refusal, or the damage found in the stored row.
        public var reason: String
        /// When it was held.
        public var heldAt: Date?
        /// When the measurement was saved (`nil` if that value is damaged).
        public var createdAt: Date?
        /// Failed delivery attempts before it was held.
        public var attempts: Int
        /// The last failure the uploader recorded, if any.
        public var lastError: String?

        public init(id: String, reason: String, heldAt: Date?, createdAt: Date?, attempts: Int, lastError: String?) {
            self.id = id
            self.reason = reason
            self.heldAt = heldAt
            self.createdAt = createdAt
            self.attempts = attempts
            self.lastError = lastError
        }
    }

    public init(
        pending: Int, delivered: Int, held: Int, oldestPendingAge: TimeInterval?, oldestUnsentAge: TimeInterval?,
        heldItems: [HeldItem]
    ) {
        self.pending = pending
        self.delivered = delivered
        self.held = held
        self.oldestPendingAge = oldestPendingAge
        self.oldestUnsentAge = oldestUnsentAge
        self.heldItems = heldItems
    }
}
