import Foundation
import VHRCore

extension OmronCuff {
    /// Which of the two Omron USB protocols a monitor speaks.
    public enum Model: String, Sendable, Codable, CaseIterable {
        /// HEM-790IT, HEM-7080IT (M10-IT), USB 0590:0028: ASCII commands in 8-byte HID reports (libomron).
        case hem790it = "HEM-790IT"
        /// HEM-7131U / HEM-7322U (M400IT/M500IT), USB 0590:0090: EEPROM reads in `02 08 …` frames (obpm).
        case hem7322u = "HEM-7322U"
    }

    /// How an Omron monitor is driven: the profile's `parameters`. Every key but `model` is optional.
    public struct Settings: Sendable, Equatable, Codable {
        /// The protocol variant.
        public var model: Model
        /// Seconds between reads of the monitor's memory while it is connected.
        public var pollInterval: Double
        /// Seconds the monitor may take to answer one command.
        public var replyTimeout: Double
        /// How many times a command is sent again after a "NO", a garbled or a corrupt reply.
        public var retries: Int
        /// Seconds between attempts to open the link while the monitor is absent.
        public var reconnectDelay: Double
        /// The time zone the monitor's clock is set in (`Europe/Paris`); empty for the room's own.
        public var timeZone: String
        /// Seconds the monitor's clock may run ahead of the room's before its dates are distrusted.
        public var maximumClockLead: Double
        /// HEM-790IT: the memory bank to read (0 or 1, the monitor's two users).
        public var bank: Int
        /// HEM-7322U: the user whose records are read (1 or 2).
        public var user: Int
        /// HEM-7322U: record slots per user, 100 on the 7322U, 60 on the 7131U.
        public var recordSlots: Int

        public init(
            model: Model = .hem7322u, pollInterval: Double = 30, replyTimeout: Double = 2, retries: Int = 3,
            reconnectDelay: Double = 1, timeZone: String = "", maximumClockLead: Double = 600, bank: Int = 0,
            user: Int = 1, recordSlots: Int = 100
        ) {
            self.model = model
            self.pollInterval = pollInterval
            self.replyTimeout = replyTimeout
            self.retries = retries
            self.reconnectDelay = reconnectDelay
            self.timeZone = timeZone
            self.maximumClockLead = maximumClockLead
            self.bank = bank
            self.user = user
            self.recordSlots = recordSlots
        }

        private enum CodingKeys: String, CodingKey {
            case model, pollInterval, replyTimeout, retries, reconnectDelay, timeZone, maximumClockLead, bank, user
            case recordSlots
        }

        /// Decodes a profile's parameters; absent keys keep their defaults.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Settings()
            model = try container.decodeIfPresent(Model.self, forKey: .model) ?? defaults.model
            pollInterval = try container.decodeIfPresent(Double.self, forKey: .pollInterval) ?? defaults.pollInterval
            replyTimeout = try container.decodeIfPresent(Double.self, forKey: .replyTimeout) ?? defaults.replyTimeout
            retries = try container.decodeIfPresent(Int.self, forKey: .retries) ?? defaults.retries
            reconnectDelay =
                try container.decodeIfPresent(Double.self, forKey: .reconnectDelay) ?? defaults.reconnectDelay
            timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? defaults.timeZone
            maximumClockLead =
                try container.decodeIfPresent(Double.self, forKey: .maximumClockLead) ?? defaults.maximumClockLead
            bank = try container.decodeIfPresent(Int.self, forKey: .bank) ?? defaults.bank
            user = try container.decodeIfPresent(Int.self, forKey: .user) ?? defaults.user
            recordSlots = try container.decodeIfPresent(Int.self, forKey: .recordSlots) ?? defaults.recordSlots
        }

        /// Checks every value and returns the monitor's time zone, naming the first bad value and its fix.
        ///
        /// - Throws: `DeviceError` `.invalidData`.
        public func validated() throws(DeviceError) -> TimeZone {
            func bad(_ what: String, _ hint: String) -> DeviceError {
                DeviceError(.invalidData, "Omron cuff: \(what)", hint: hint)
            }
            for (name, value) in [
                ("pollInterval", pollInterval), ("replyTimeout", replyTimeout), ("reconnectDelay", reconnectDelay),
            ] where !(value.isFinite && value > 0 && value <= 3600) {
                throw bad("\(name) \(value) is out of range", "use seconds above 0 and at most 3600")
            }
            guard (0...20).contains(retries) else {
                throw bad("retries \(retries) is out of range", "use 0 to 20 (3 is usual)")
            }
            guard maximumClockLead.isFinite, maximumClockLead >= 0 else {
                throw bad(
                    "maximumClockLead \(maximumClockLead) is out of range", "use seconds, 0 or more (600 is usual)")
            }
            guard (0...1).contains(bank) else { throw bad("bank \(bank) is out of range", "use 0 or 1") }
            guard (1...2).contains(user) else { throw bad("user \(user) is out of range", "use 1 or 2") }
            guard (1...100).contains(recordSlots) else {
                throw bad("recordSlots \(recordSlots) is out of range", "use 100 for the HEM-7322U, 60 for the 7131U")
            }
            if timeZone.isEmpty { return .current }
            guard let zone = TimeZone(identifier: timeZone) else {
                throw bad("unknown time zone \"\(timeZone)\"", "use a tz database name such as Europe/Paris, or \"\"")
            }
            return zone
        }
    }

    /// The clocks an Omron cuff runs on, the same as a PHD cuff's: tests inject their own.
    public typealias Timing = PHDCuff.Timing
}
