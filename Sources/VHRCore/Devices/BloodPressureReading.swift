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
    /// When the cuff finished the measurement: by the device's own clock when `clock` is `.device`,
    /// else when the room received it.
    public var measuredAt: Date
    /// Whose clock dated the reading. Only a device's trusted clock dates a stored reading the same
    /// way each time the device sends it, which the measurement's name-based identity relies on.
    public var clock: Clock
    /// The physical device that took it, as far as the device identified itself; nil when it
    /// did not (or the reading was stored before vhr kept this).
    public var source: DeviceSource?

    /// Whose clock `measuredAt` comes from.
    public enum Clock: String, Sendable, Codable {
        /// The device's own clock, set and plausible (IEEE 11073 and Omron time stamps).
        case device
        /// The room's clock when the reading arrived (a module without a clock, or an untrusted one).
        case room
    }

    public init(
        systolic: Int, diastolic: Int, meanArterial: Int, pulse: Int, measuredAt: Date, clock: Clock = .room,
        source: DeviceSource? = nil
    ) {
        self.systolic = systolic
        self.diastolic = diastolic
        self.meanArterial = meanArterial
        self.pulse = pulse
        self.measuredAt = measuredAt
        self.clock = clock
        self.source = source
    }

    private enum CodingKeys: String, CodingKey {
        case systolic, diastolic, meanArterial, pulse, measuredAt, clock, source
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        systolic = try container.decode(Int.self, forKey: .systolic)
        diastolic = try container.decode(Int.self, forKey: .diastolic)
        meanArterial = try container.decode(Int.self, forKey: .meanArterial)
        pulse = try container.decode(Int.self, forKey: .pulse)
        measuredAt = try container.decode(Date.self, forKey: .measuredAt)
        // Readings encoded before the clock was recorded were all dated by the room.
        clock = try container.decodeIfPresent(Clock.self, forKey: .clock) ?? .room
        source = try container.decodeIfPresent(DeviceSource.self, forKey: .source)
    }
}
