import VHRCore

extension SimulatedCuff {
    /// How a simulated cuff runs: its pace, its faults and the model's parameters.
    public struct Settings: Sendable, Equatable {
        /// Simulated seconds per wall-clock second: 1 is real time, 40 runs a ~40 s measurement
        /// in about 1 s.
        public var timeScale: Double
        /// Probability, 0…1, that a measurement without an injected fault fails by itself.
        public var faultRate: Double
        /// Fixes every random choice (patients and measurements); nil draws a random seed.
        public var seed: UInt64?
        /// A fault every measurement gets until it is cleared.
        public var fault: CuffSimulation.Fault?
        /// The model's behaviour, from the device profile.
        public var parameters: CuffSimulation.Parameters

        public init(
            timeScale: Double = 1, faultRate: Double = 0.05, seed: UInt64? = nil, fault: CuffSimulation.Fault? = nil,
            parameters: CuffSimulation.Parameters = .standard
        ) {
            self.timeScale = timeScale
            self.faultRate = faultRate
            self.seed = seed
            self.fault = fault
            self.parameters = parameters
        }

        /// The option keys `parse(options:parameters:)` accepts.
        public static let optionKeys = ["time-scale", "fault-rate", "seed", "fault"]

        /// Reads settings from a device's configuration options.
        ///
        /// Keys: `time-scale` (a number above 0), `fault-rate` (0…1), `seed` (an unsigned 64-bit
        /// integer) and `fault` (`none`, `cuff-loose`, `motion`, `pressure-too-high`, `disconnect`
        /// or `no-response`). Missing keys keep their defaults.
        ///
        /// - Parameters:
        ///   - options: The options, by key.
        ///   - parameters: The model's parameters from the device profile.
        /// - Throws: `OptionError` for the first unknown key or bad value, in key order.
        public static func parse(
            options: [String: String], parameters: CuffSimulation.Parameters = .standard
        ) throws(OptionError) -> Settings {
            var settings = Settings(parameters: parameters)
            for (key, value) in options.sorted(by: { $0.key < $1.key }) {
                switch key {
                case "time-scale":
                    guard let scale = Double(value), scale.isFinite, scale > 0 else {
                        throw OptionError(
                            key: key, value: value,
                            fix: "use a number above 0: 1 is real time, 40 runs a 40 s measurement in about 1 s")
                    }
                    settings.timeScale = scale
                case "fault-rate":
                    guard let rate = Double(value), (0...1).contains(rate) else {
                        throw OptionError(
                            key: key, value: value, fix: "use a probability from 0 to 1, such as 0.05 for one in twenty"
                        )
                    }
                    settings.faultRate = rate
                case "seed":
                    guard let seed = UInt64(value) else {
                        throw OptionError(
                            key: key, value: value,
                            fix: "use a whole number from 0 to \(UInt64.max), or leave it out for a random seed")
                    }
                    settings.seed = seed
                case "fault":
                    if value == "none" {
                        settings.fault = nil
                    } else if let fault = CuffSimulation.Fault(rawValue: value) {
                        settings.fault = fault
                    } else {
                        let names = ["none"] + CuffSimulation.Fault.allCases.map(\.rawValue)
                        throw OptionError(key: key, value: value, fix: "use one of \(names.joined(separator: ", "))")
                    }
                default:
                    throw OptionError(
                        key: key, value: value,
                        fix: "the simulated cuff has no such option; it takes \(optionKeys.joined(separator: ", "))")
                }
            }
            return settings
        }
    }

    /// A simulated-cuff option that cannot be used, with what to write instead.
    public struct OptionError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The option's key as written.
        public var key: String
        /// The value as written.
        public var value: String
        /// What to write instead.
        public var fix: String

        public init(key: String, value: String, fix: String) {
            self.key = key
            self.value = value
            self.fix = fix
        }

        public var description: String {
            "simulated cuff option \(key)=\"\(value)\" is not usable: \(fix)"
        }
    }
}
