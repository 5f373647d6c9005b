import VHRCore

/// Builds the room's devices from its configuration: the registry of device families, the
/// way fwupd's `Plugin =` key picks a plugin.
public enum DeviceFactory {
    static let simulatedCuff = "simulated-cuff"
    static let simulatedStethoscope = "simulated-stethoscope"
    static let uacStethoscope = "uac-stethoscope"

    /// The families this build can drive; profiles naming any other are refused at start.
    public static let knownFamilies: Set<String> = [simulatedCuff, simulatedStethoscope, uacStethoscope]

    /// Option keys the simulated stethoscope takes.
    static let stethoscopeOptionKeys = ["source"]

    /// The devices of a room, and the simulated cuffs by name for fault injection.
    public struct RoomDevices: Sendable {
        public var cuffs: [any BloodPressureCuff] = []
        public var stethoscopes: [any Stethoscope] = []
        public var simulatedCuffs: [String: SimulatedCuff] = [:]
    }

    /// - Parameter simulationOverrides: `--sim-*` flags, applied to every simulated device
    ///   over its configured options.
    /// - Throws: `ConfigError` naming the device's section, the option and the fix.
    public static func makeDevices(
        for config: RoomConfig, catalog: ProfileCatalog, simulationOverrides: [String: String] = [:]
    ) throws(ConfigError) -> RoomDevices {
        var devices = RoomDevices()
        for device in config.devices {
            guard let profile = catalog.profile(device.profile) else {
                throw ConfigError(
                    file: config.source, line: device.line, field: "[device \(device.id)] profile",
                    problem: "no profile named '\(device.profile)'", fix: "add DeviceProfiles/\(device.profile).json")
            }
            let info = DeviceInfo(
                id: device.id, kind: profile.kind, profile: profile.id, model: profile.name,
                transport: profile.transport.rawValue, simulated: profile.transport == .simulated)
            switch profile.family {
            case simulatedCuff:
                let cuff = SimulatedCuff(
                    info: info,
                    settings: try cuffSettings(device, profile: profile, overrides: simulationOverrides, config: config)
                )
                devices.cuffs.append(cuff)
                devices.simulatedCuffs[device.id] = cuff
            case simulatedStethoscope:
                devices.stethoscopes.append(
                    try stethoscope(info, device, profile: profile, overrides: simulationOverrides, config: config))
            case uacStethoscope:
                devices.stethoscopes.append(try usbAudioStethoscope(info, device, profile: profile, config: config))
            default:
                throw ConfigError(
                    file: config.source, line: device.line, field: "[device \(device.id)] profile",
                    problem: "profile '\(profile.id)' needs the '\(profile.family)' driver, which this build lacks",
                    fix: "use a profile of a supported family: " + knownFamilies.sorted().joined(separator: ", "))
            }
        }
        return devices
    }

    private static func cuffSettings(
        _ device: DeviceConfig, profile: DeviceProfile, overrides: [String: String], config: RoomConfig
    ) throws(ConfigError) -> SimulatedCuff.Settings {
        let parameters: CuffSimulation.Parameters
        do {
            parameters = try profile.decodeParameters(as: CuffSimulation.Parameters.self)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' is unusable: \(error)", fix: error.fix)
        }
        if let reason = parameters.invalidReason {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' has unusable cuff parameters: \(reason)",
                fix: "correct DeviceProfiles/\(profile.id).json")
        }
        do {
            _ = try SimulatedCuff.Settings.parse(options: device.options, parameters: parameters)
        } catch {
            throw device.optionError(
                error.key, file: config.source, problem: "'\(error.value)' is not valid", fix: error.fix)
        }
        var options = device.options
        for key in SimulatedCuff.Settings.optionKeys { if let value = overrides[key] { options[key] = value } }
        do {
            return try SimulatedCuff.Settings.parse(options: options, parameters: parameters)
        } catch {
            throw ConfigError(
                file: "vhrd command line", line: nil, field: "--sim-\(error.key)",
                problem: "'\(error.value)' is not valid", fix: error.fix)
        }
    }

    private static func usbAudioStethoscope(
        _ info: DeviceInfo, _ device: DeviceConfig, profile: DeviceProfile, config: RoomConfig
    ) throws(ConfigError) -> USBAudioStethoscope {
        let parameters: USBAudioStethoscope.Settings
        do {
            parameters = try profile.decodeParameters(as: USBAudioStethoscope.Settings.self)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' is unusable: \(error)", fix: error.fix)
        }
        let keys = USBAudioStethoscope.Settings.optionKeys
        for key in device.options.keys.sorted() where !keys.contains(key) {
            throw device.optionError(
                key, file: config.source, problem: "a USB audio stethoscope has no option '\(key)'",
                fix: "it takes: " + keys.joined(separator: ", "))
        }
        do {
            return try USBAudioStethoscope(info: info, settings: try parameters.applying(options: device.options))
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: error.message, fix: error.hint ?? "see Sources/VHRDevices/USBAudio/README.md")
        }
    }

    private static func stethoscope(
        _ info: DeviceInfo, _ device: DeviceConfig, profile: DeviceProfile, overrides: [String: String],
        config: RoomConfig
    ) throws(ConfigError) -> SimulatedStethoscope {
        for key in device.options.keys.sorted() where !stethoscopeOptionKeys.contains(key) {
            throw device.optionError(
                key, file: config.source, problem: "the simulated stethoscope has no option '\(key)'",
                fix: "it takes: " + stethoscopeOptionKeys.joined(separator: ", "))
        }
        let fromCommandLine = overrides["source"] != nil
        let text = overrides["source"] ?? device.options["source"] ?? profile.string("source") ?? "synthetic"
        let block = profile.int("blockMilliseconds") ?? 10
        do {
            return try SimulatedStethoscope(
                info: info, source: try SimulatedStethoscope.parseSource(text), blockMilliseconds: block)
        } catch {
            throw ConfigError(
                file: fromCommandLine ? "vhrd command line" : config.source,
                line: fromCommandLine ? nil : device.keyLines["source"] ?? device.line,
                field: fromCommandLine ? "--sim-source" : "\(device.header) source",
                problem: error.message, fix: error.hint ?? "use recording:NAME, file:/path.wav or synthetic")
        }
    }
}
