import Foundation

/// A measurement as the room stores it: the reading, bound to the visit it was taken in.
public struct MeasurementRecord: Sendable, Equatable {
    /// Assigned once, when the reading arrives; never regenerated.
    public var id: UUID
    public var visitID: String
    public var deviceID: String
    public var profile: String
    public var reading: BloodPressureReading
    /// When the daemon stored it.
    public var recordedAt: Date

    public init(
        id: UUID, visitID: String, deviceID: String, profile: String, reading: BloodPressureReading,
        recordedAt: Date
    ) {
        self.id = id
        self.visitID = visitID
        self.deviceID = deviceID
        self.profile = profile
        self.reading = reading
        self.recordedAt = recordedAt
    }
}
