import Foundation

/// A completed blood-pressure measurement as the cuff reported it.
///
/// Pressures are in mmHg and the pulse in beats per minute, the units every cuff in the
/// room's profiles reports; conversion, if a device ever needs it, belongs in its driver.
public struct BloodPressureReading: Sendable, Equatable, Codable {
    public var systolic: Int
    public var diastolic: Int
    /// Mean arterial pressure as the cuff computed it (oscillometric cuffs measure it directly).
    public var meanArterial: Int
    public var pulse: Int
    /// When the cuff finished the measurement, by the room's clock.
    public var measuredAt: Date

    public init(systolic: Int, diastolic: Int, meanArterial: Int, pulse: Int, measuredAt: Date) {
        self.systolic = systolic
        self.diastolic = diastolic
        self.meanArterial = meanArterial
        self.pulse = pulse
        self.measuredAt = measuredAt
    }
}
