import VHRCore

extension SunTechCuff {
    /// How the driver paces and patiences the module. The defaults suit the module at 9600 baud;
    /// tests shorten the timeouts.
    public struct Settings: Sendable, Equatable {
        /// Which start command to send: the module's inflation limits and algorithm differ.
        public enum PatientMode: String, Sendable, Equatable, CaseIterable {
            case adult
            case pediatric
            case neonate

            /// The command that starts a measurement in this mode.
            public var startCommand: SunTechCommand {
                switch self {
                case .adult: .startAdult
                case .pediatric: .startPediatric
                case .neonate: .startNeonate
                }
            }
        }

        public var patientMode: PatientMode
        /// The first inflation target in mmHg, sent before each start; `nil` leaves the module's own.
        public var initialInflate: UInt16?
        /// How often the live cuff pressure is asked for while measuring.
        public var pollInterval: Duration
        /// How long to wait for the answer to one command before sending it again.
        public var responseTimeout: Duration
        /// How many times an unanswered command is sent again before the module counts as silent.
        public var retries: Int
        /// How many 'busy' (or asleep, or internally timed-out) answers to a start are retried.
        public var busyRetries: Int
        /// The wait before retrying after a 'busy' answer.
        public var busyDelay: Duration
        /// The longest a measurement may take before the driver aborts it (the module's own
        /// safety timeout is shorter; this catches a module that never reports the end).
        public var measurementTimeout: Duration
        /// How often an absent port is tried again.
        public var reconnectInterval: Duration
        /// How long each idle read waits; the longest a start request waits to be picked up.
        public var idlePoll: Duration
        /// How long a write may take.
        public var writeTimeout: Duration

        public init(
            patientMode: PatientMode = .adult, initialInflate: UInt16? = nil,
            pollInterval: Duration = .milliseconds(250),
            responseTimeout: Duration = .seconds(1), retries: Int = 2, busyRetries: Int = 5,
            busyDelay: Duration = .milliseconds(500), measurementTimeout: Duration = .seconds(180),
            reconnectInterval: Duration = .seconds(1), idlePoll: Duration = .milliseconds(100),
            writeTimeout: Duration = .seconds(1)
        ) {
            self.patientMode = patientMode
            self.initialInflate = initialInflate
            self.pollInterval = pollInterval
            self.responseTimeout = responseTimeout
            self.retries = retries
            self.busyRetries = busyRetries
            self.busyDelay = busyDelay
            self.measurementTimeout = measurementTimeout
            self.reconnectInterval = reconnectInterval
            self.idlePoll = idlePoll
            self.writeTimeout = writeTimeout
        }

        /// The option keys ``parse(options:)`` accepts.
        public static let optionKeys = ["patient-mode", "initial-inflate"]

        /// Reads the settings a room configuration may change: `patient-mode` (`adult`,
        /// `pediatric` or `neonate`) and `initial-inflate` (mmHg, 80…280).
        ///
        /// - Throws: `DeviceError` `.invalidData` for the first unknown key or bad value, in key
        ///   order, saying what to write instead.
        public static func parse(options: [String: String]) throws(DeviceError) -> Settings {
            var settings = Settings()
            for (key, value) in options.sorted(by: { $0.key < $1.key }) {
                switch key {
                case "patient-mode":
                    guard let mode = PatientMode(rawValue: value) else {
                        throw DeviceError(
                            .invalidData, "SunTech cuff option patient-mode=\"\(value)\" is not usable",
                            hint: "use adult, pediatric or neonate")
                    }
                    settings.patientMode = mode
                case "initial-inflate":
                    guard let mmHg = UInt16(value), (80...280).contains(mmHg) else {
                        throw DeviceError(
                            .invalidData, "SunTech cuff option initial-inflate=\"\(value)\" is not usable",
                            hint: "use a pressure in mmHg from 80 to 280, such as 160")
                    }
                    settings.initialInflate = mmHg
                default:
                    throw DeviceError(
                        .invalidData, "SunTech cuff option \(key)=\"\(value)\" is not usable",
                        hint: "the SunTech cuff has no such option; it takes \(optionKeys.joined(separator: ", "))")
                }
            }
            return settings
        }
    }
}
