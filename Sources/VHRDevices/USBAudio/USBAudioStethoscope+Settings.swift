import VHRCore

extension USBAudioStethoscope {
    /// How a USB audio stethoscope is captured: the profile's `parameters`, optionally with the
    /// room's `[device]` options over them (`device`, `filter`).
    public struct Settings: Sendable, Equatable, Codable {
        /// The ALSA PCM to capture from, e.g. `plughw:CARD=Device,DEV=0` (the card id survives
        /// replugging, its number may not); `plughw` converts rate and channels when the card
        /// cannot do them itself.
        public var device: String
        /// The rate to capture at, in Hz: the card's native rate, 48000 or 44100.
        public var captureRate: Int
        /// The rate delivered to listeners, in Hz: 4000 or 8000, dividing `captureRate`.
        public var streamRate: Int
        /// Channels to capture; more than one are averaged to mono.
        public var channels: Int
        /// The capture period, in ms: how often the capture thread wakes.
        public var periodMilliseconds: Int
        /// Periods in the card's buffer: how long the capture thread may be late before an overrun.
        public var periods: Int
        /// The listening mode at start: `bell`, `diaphragm` or `extended`.
        public var filter: String

        public init(
            device: String, captureRate: Int = 48_000, streamRate: Int = 8000, channels: Int = 1,
            periodMilliseconds: Int = 10, periods: Int = 4, filter: String = "extended"
        ) {
            self.device = device
            self.captureRate = captureRate
            self.streamRate = streamRate
            self.channels = channels
            self.periodMilliseconds = periodMilliseconds
            self.periods = periods
            self.filter = filter
        }

        /// The room configuration keys that override the profile: `device` and `filter`.
        public static let optionKeys = ["device", "filter"]

        /// The settings with the room's options applied.
        ///
        /// - Throws: `DeviceError` `.invalidData` naming the first unknown key.
        public func applying(options: [String: String]) throws(DeviceError) -> Settings {
            var settings = self
            for (key, value) in options.sorted(by: { $0.key < $1.key }) {
                switch key {
                case "device": settings.device = value
                case "filter": settings.filter = value
                default:
                    throw DeviceError(
                        .invalidData, "a USB audio stethoscope has no option '\(key)'",
                        hint: "it takes: " + Self.optionKeys.joined(separator: ", "))
                }
            }
            return settings
        }

        /// The starting mode, from `filter`.
        public var filterMode: StethoscopeFilter.Mode? { StethoscopeFilter.Mode(name: filter) }

        /// The decimation factor, `captureRate / streamRate`.
        public var factor: Int { captureRate / max(1, streamRate) }

        /// Frames per capture period at `captureRate`.
        public var periodFrames: Int { captureRate * periodMilliseconds / 1000 }

        /// Checks every value, naming the first bad one and its fix.
        ///
        /// - Throws: `DeviceError` `.invalidData`.
        public func validate() throws(DeviceError) {
            func bad(_ what: String, _ hint: String) -> DeviceError {
                DeviceError(.invalidData, "USB audio stethoscope: \(what)", hint: hint)
            }
            guard !device.isEmpty else {
                throw bad("no capture device", "set \"device\", e.g. plughw:CARD=Device,DEV=0")
            }
            guard (8000...192_000).contains(captureRate) else {
                throw bad(
                    "capture rate \(captureRate) Hz is out of range", "use the card's native rate, 48000 or 44100")
            }
            guard streamRate >= 4000, captureRate % streamRate == 0 else {
                throw bad(
                    "stream rate \(streamRate) Hz does not divide the capture rate \(captureRate) Hz or is below 4000",
                    "use 4000 or 8000 with 48000 (11025 with 44100); heart and lung sounds need at least 4000")
            }
            guard (1...8).contains(channels) else {
                throw bad("\(channels) channels", "use 1 (2 for a stereo-only card)")
            }
            guard (1...100).contains(periodMilliseconds), periodFrames * 1000 == captureRate * periodMilliseconds else {
                throw bad(
                    "a \(periodMilliseconds) ms period is not a whole number of frames at \(captureRate) Hz",
                    "use 10 ms (5 to 20 suits streaming)")
            }
            guard (2...32).contains(periods) else { throw bad("\(periods) periods", "use 3 or 4") }
            guard filterMode != nil else {
                throw bad(
                    "unknown filter '\(filter)'",
                    "use one of " + StethoscopeFilter.Mode.allCases.map(\.description).joined(separator: ", "))
            }
        }
    }
}
