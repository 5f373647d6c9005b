import Foundation
import VHRCore

/// A measurement waiting for delivery, as the uploader receives it from
/// `MeasurementStore.pendingDeliveries(dueBy:limit:)`.
public struct OutboxItem: Sendable, Equatable {
    /// The measurement, exactly as saved (its identifier is the upload's idempotency key).
    public var record: MeasurementRecord
    /// The patient of the visit the measurement belongs to.
    public var patientID: String
    /// Failed delivery attempts so far (for the backoff).
    public var attempts: Int
    /// When the item became (or becomes) due.
    public var nextAttemptAt: Date
    /// The last failure the uploader recorded, if any.
    public var lastError: String?
    /// When the measurement was saved (its age in the queue counts from here).
    public var createdAt: Date

    /// The measurement's identifier.
    public var id: UUID { record.id }

    public init(
        record: MeasurementRecord, patientID: String, attempts: Int, nextAttemptAt: Date, lastError: String?,
        createdAt: Date
    ) {
        self.record = record
        self.patientID = patientID
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
    }
}
