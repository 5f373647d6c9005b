import Foundation
import VHRCore

extension PHDCuff {
    /// How an IEEE 11073 PHD cuff is driven: the profile's `parameters`. Every key is optional and
    /// defaults to the standard's value.
    public struct Settings: Sendable, Equatable, Codable {
        /// The manager's 8-byte system id (EUI-64) as 16 hex digits; agents show it as the paired manager.
        public var managerSystemID: String
        /// TO_config, in seconds: how long an agent may take to send its configuration report.
        public var configurationTimeout: Double
        /// TO_release, in seconds: how long an agent may take to answer a release request.
        public var releaseTimeout: Double
        /// Seconds a half-received APDU may wait for the rest before it is dropped.
        public var reassemblyTimeout: Double
        /// The largest APDU accepted, in bytes, header included.
        public var maximumAPDUSize: Int
        /// Seconds an agent's clock may run ahead of the room's before its time stamps are distrusted.
        public var maximumClockLead: Double
        /// Seconds between attempts to open the link while the monitor is absent or asleep.
        public var reconnectDelay: Double
        /// The time zone the monitor's clock is set in (`Europe/Paris`); empty for the room's own.
        public var timeZone: String

        public init(
            managerSystemID: String = "5648524D414E4752", configurationTimeout: Double = 10, releaseTimeout: Double = 3,
            reassemblyTimeout: Double = 3, maximumAPDUSize: Int = 8192, maximumClockLead: Double = 600,
            reconnectDelay: Double = 1, timeZone: String = ""
        ) {
            self.managerSystemID = managerSystemID
            self.configurationTimeout = configurationTimeout
            self.releaseTimeout = releaseTimeout
            self.reassemblyTimeout = reassemblyTimeout
            self.maximumAPDUSize = maximumAPDUSize
            self.maximumClockLead = maximumClockLead
            self.reconnectDelay = reconnectDelay
            self.timeZone = timeZone
        }

        private enum CodingKeys: String, CodingKey {
            case managerSystemID, configurationTimeout, releaseTimeout, reassemblyTimeout, maximumAPDUSize
            case maximumClockLead, reconnectDelay, timeZone
        }

        /// Decodes a profile's parameters; absent keys keep their defaults.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Settings()
            managerSystemID =
                try container.decodeIfPresent(String.self, forKey: .managerSystemID) ?? defaults.managerSystemID
            configurationTimeout =
                try container.decodeIfPresent(Double.self, forKey: .configurationTimeout)
                ?? defaults.configurationTimeout
            releaseTimeout =
                try container.decodeIfPresent(Double.self, forKey: .releaseTimeout) ?? defaults.releaseTimeout
            reassemblyTimeout =
                try container.decodeIfPresent(Double.self, forKey: .reassemblyTimeout) ?? defaults.reassemblyTimeout
            maximumAPDUSize =
                try container.decodeIfPresent(Int.self, forKey: .maximumAPDUSize) ?? defaults.maximumAPDUSize
            maximumClockLead =
                try container.decodeIfPresent(Double.self, forKey: .maximumClockLead) ?? defaults.maximumClockLead
            reconnectDelay =
                try container.decodeIfPresent(Double.self, forKey: .reconnectDelay) ?? defaults.reconnectDelay
            timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? defaults.timeZone
        }

        /// Checks every value and builds the session's settings, naming the first bad value and its fix.
        ///
        /// - Throws: `DeviceError` `.invalidData`.
        public func sessionSettings() throws(DeviceError) -> PHDCuffSession.Settings {
            func bad(_ what: String, _ hint: String) -> DeviceError {
                DeviceError(.invalidData, "IEEE 11073 cuff: \(what)", hint: hint)
            }
            guard let systemID = try? Hex.parse(managerSystemID), systemID.count == 8 else {
                throw bad(
                    "managerSystemID \"\(managerSystemID)\" is not 8 bytes of hex", "write 16 hex digits (an EUI-64)")
            }
            for (name, value) in [
                ("configurationTimeout", configurationTimeout), ("releaseTimeout", releaseTimeout),
                ("reassemblyTimeout", reassemblyTimeout), ("reconnectDelay", reconnectDelay),
            ] where !(value.isFinite && value > 0 && value <= 3600) {
                throw bad("\(name) \(value) is out of range", "use seconds above 0 and at most 3600")
            }
            guard maximumClockLead.isFinite, maximumClockLead >= 0 else {
                throw bad(
                    "maximumClockLead \(maximumClockLead) is out of range", "use seconds, 0 or more (600 is usual)")
            }
            guard (64...65_539).contains(maximumAPDUSize) else {
                throw bad("maximumAPDUSize \(maximumAPDUSize) is out of range", "use 64 to 65539 bytes (8192 is usual)")
            }
            let zone: TimeZone
            if timeZone.isEmpty {
                zone = .current
            } else if let named = TimeZone(identifier: timeZone) {
                zone = named
            } else {
                throw bad("unknown time zone \"\(timeZone)\"", "use a tz database name such as Europe/Paris, or \"\"")
            }
            return PHDCuffSession.Settings(
                managerSystemID: systemID,
                timeouts: .init(configuration: .seconds(configurationTimeout), release: .seconds(releaseTimeout)),
                timeZone: zone, maximumAPDUSize: maximumAPDUSize, reassemblyTimeout: .seconds(reassemblyTimeout),
                maximumClockLead: maximumClockLead)
        }
    }

    /// The clocks a PHD cuff runs on, injected so tests drive time themselves.
    public struct Timing: Sendable {
        /// The monotonic clock, as a duration since an arbitrary origin.
        public var now: @Sendable () -> Duration
        /// The room's wall clock, which dates readings from a monitor with an untrusted clock.
        public var wallClock: @Sendable () -> Date
        /// Blocks the calling (dedicated) thread for a duration.
        public var sleep: @Sendable (Duration) -> Void

        public init(
            now: @escaping @Sendable () -> Duration, wallClock: @escaping @Sendable () -> Date,
            sleep: @escaping @Sendable (Duration) -> Void
        ) {
            self.now = now
            self.wallClock = wallClock
            self.sleep = sleep
        }
    }
}
