import VHRCore
import VHRSystem

/// Builds the room's devices from its configuration: the registry of device families, the
/// way fwupd's `Plugin =` key picks a plugin.
public enum DeviceFactory {
    static let simulatedCuff = "simulated-cuff"
    static let simulatedStethoscope = "simulated-stethoscope"
    static let uacStethoscope = "uac-stethoscope"
    static let ieee11073Cuff = "ieee11073-cuff"
    static let suntechCuff = "suntech-cuff"
    static let omronCuff = "omron-cuff"

    /// The families this build can drive; profiles naming any other are refused at start.
    public static let knownFamilies: Set<String> = [
        simulatedCuff, simulatedStethoscope, uacStethoscope, ieee11073Cuff, suntechCuff, omronCuff,
    ]

    /// Room options that say which unit of a model is meant: `port` (a serial device's node, best
    /// a udev link under /dev/vhr/), `usb-serial` (a USB device's serial number string) and
    /// `usb-location` (the socket it is plugged into, `usb 1-3`, as `vhrctl hardware` shows it).
    static let portOption = "port"
    static let usbSerialOption = "usb-serial"
    static let usbLocationOption = "usb-location"

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
    /// - Parameters:
    ///   - stateDirectory: Where drivers keep what they learn about devices (11073 configurations);
    ///     nil keeps it in memory only.
    ///   - logger: Where the real devices' drivers log.
    public static func makeDevices(
        for config: RoomConfig, catalog: ProfileCatalog, simulationOverrides: [String: String] = [:],
        stateDirectory: String? = nil, logger: Logger = .discarding()
    ) throws(ConfigError) -> RoomDevices {
        var devices = RoomDevices()
        var configurationStore: PHDConfigurationStore?
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
            case ieee11073Cuff:
                if configurationStore == nil {
                    configurationStore = phdConfigurationStore(stateDirectory: stateDirectory, logger: logger)
                }
                devices.cuffs.append(
                    try phdCuff(
                        info, device, profile: profile, config: config, store: configurationStore ?? .init(),
                        logger: logger))
            case suntechCuff:
                devices.cuffs.append(try sunTechCuff(info, device, profile: profile, config: config, logger: logger))
            case omronCuff:
                devices.cuffs.append(try omronCuff(info, device, profile: profile, config: config, logger: logger))
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
        try checkOptions(
            device, allowed: USBAudioStethoscope.Settings.optionKeys, config: config, what: "a USB audio stethoscope")
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
        try checkOptions(device, allowed: stethoscopeOptionKeys, config: config, what: "the simulated stethoscope")
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

    // MARK: - Real cuffs

    private static func phdConfigurationStore(stateDirectory: String?, logger: Logger) -> PHDConfigurationStore {
        guard let stateDirectory else { return PHDConfigurationStore() }
        let path = stateDirectory + "/ieee11073-configurations.json"
        do {
            return try PHDConfigurationStore(path: path)
        } catch {
            logger.warning("learned configurations not loaded", ["file": path, "error": error.description])
            return PHDConfigurationStore()
        }
    }

    private static func phdCuff(
        _ info: DeviceInfo, _ device: DeviceConfig, profile: DeviceProfile, config: RoomConfig,
        store: PHDConfigurationStore, logger: Logger
    ) throws(ConfigError) -> PHDCuff {
        let settings: PHDCuff.Settings
        do {
            // The serial line's keys belong to the link, not to the 11073 session.
            var sessionProfile = profile
            sessionProfile.parameters = profile.parameters.filter { !serialLineKeys.contains($0.key) }
            settings = try sessionProfile.decodeParameters(as: PHDCuff.Settings.self)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' is unusable: \(error)", fix: error.fix)
        }
        let link = try linkFactory(device, profile: profile, config: config, extraOptions: [])
        do throws(DeviceError) {
            return try PHDCuff(
                info: info, settings: settings, link: link, knownConfigurations: store.configurations,
                configurationLearned: { learned in
                    do throws(DeviceError) {
                        try store.remember(learned)
                    } catch {
                        logger.warning("learned configuration not saved", ["error": error.description])
                    }
                }, logger: logger)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' is unusable: \(error.message)",
                fix: error.hint ?? "correct DeviceProfiles/\(profile.id).json")
        }
    }

    private static func sunTechCuff(
        _ info: DeviceInfo, _ device: DeviceConfig, profile: DeviceProfile, config: RoomConfig, logger: Logger
    ) throws(ConfigError) -> SunTechCuff {
        let keys = SunTechCuff.Settings.optionKeys
        let options = device.options.filter { keys.contains($0.key) }
        // One key at a time first, so the error names the line and the option at fault.
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            do throws(DeviceError) {
                _ = try SunTechCuff.Settings.parse(options: [key: value])
            } catch {
                throw device.optionError(
                    key, file: config.source, problem: error.message,
                    fix: error.hint ?? "see Sources/VHRDevices/SunTech/README.md")
            }
        }
        let settings: SunTechCuff.Settings
        do {
            settings = try SunTechCuff.Settings.parse(options: options)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: device.header, problem: error.message,
                fix: error.hint ?? "see Sources/VHRDevices/SunTech/README.md")
        }
        guard profile.transport == .serial else {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem:
                    "profile '\(profile.id)' says transport \(profile.transport.rawValue); the SunTech module is serial",
                fix: "set \"transport\": \"serial\" in DeviceProfiles/\(profile.id).json")
        }
        let link = try linkFactory(device, profile: profile, config: config, extraOptions: keys)
        return SunTechCuff(info: info, link: link(), settings: settings, logger: logger)
    }

    private static func omronCuff(
        _ info: DeviceInfo, _ device: DeviceConfig, profile: DeviceProfile, config: RoomConfig, logger: Logger
    ) throws(ConfigError) -> OmronCuff {
        let settings: OmronCuff.Settings
        do {
            settings = try profile.decodeParameters(as: OmronCuff.Settings.self)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' is unusable: \(error)", fix: error.fix)
        }
        let link = try linkFactory(device, profile: profile, config: config, extraOptions: [], hid: true)
        do throws(DeviceError) {
            return try OmronCuff(info: info, settings: settings, link: link, logger: logger)
        } catch {
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem: "profile '\(profile.id)' is unusable: \(error.message)",
                fix: error.hint ?? "correct DeviceProfiles/\(profile.id).json")
        }
    }

    /// Makes a cuff's links from the profile's transport and the room's options: a serial port
    /// named by `port`, or a USB device picked by the profile's rules and the room's `usb-serial` and
    /// `usb-location`. Called again on every reconnect, so a replugged device is found afresh.
    private static func linkFactory(
        _ device: DeviceConfig, profile: DeviceProfile, config: RoomConfig, extraOptions: [String], hid: Bool = false
    ) throws(ConfigError) -> @Sendable () -> any CuffLink {
        switch profile.transport {
        case .serial:
            try checkOptions(
                device, allowed: [portOption] + extraOptions, config: config, what: "a \(profile.family) device")
            guard let port = device.options[portOption], port.hasPrefix("/") else {
                throw ConfigError(
                    file: config.source, line: device.keyLines[portOption] ?? device.line,
                    field: "\(device.header) port",
                    problem: device.options[portOption].map { "'\($0)' is not a device path" }
                        ?? "a serial cuff needs its port",
                    fix: "write port = /dev/vhr/<name> (a udev link for this unit, see udev/README.md) or /dev/ttyUSB0")
            }
            let settings: SerialPortSettings
            do {
                settings = try serialSettings(profile)
            } catch {
                throw ConfigError(
                    file: config.source, line: device.line, field: "\(device.header) profile",
                    problem: "profile '\(profile.id)' is unusable: \(error.message)",
                    fix: error.hint ?? "correct DeviceProfiles/\(profile.id).json")
            }
            return { SerialLink(path: port, settings: settings) }
        case .usb:
            try checkOptions(
                device, allowed: [usbSerialOption, usbLocationOption] + extraOptions, config: config,
                what: "a \(profile.family) device")
            var selector = USBDeviceSelector(
                serialNumber: device.options[usbSerialOption], location: device.options[usbLocationOption])
            switch profile.match.first {
            case .usb(let vendor, let product):
                selector.vendorID = vendor
                selector.productID = product
            case .usbInterface(let interfaceClass):
                selector.interfaceClass = interfaceClass
            default:
                throw ConfigError(
                    file: config.source, line: device.line, field: "\(device.header) profile",
                    problem: "profile '\(profile.id)' has no usb or usbInterface rule to find the device by",
                    fix: "add a match rule to DeviceProfiles/\(profile.id).json")
            }
            let chosen = selector
            if hid { return { USBInterruptLink(selector: chosen) } }
            return { USBPHDCLink(selector: chosen) }
        case .simulated, .alsa:
            throw ConfigError(
                file: config.source, line: device.line, field: "\(device.header) profile",
                problem:
                    "profile '\(profile.id)' says transport \(profile.transport.rawValue), which a \(profile.family) "
                    + "cuff cannot use", fix: "use transport usb or serial")
        }
    }

    /// Refuses the first option (in key order) that `what` does not take, naming the ones it does.
    private static func checkOptions(
        _ device: DeviceConfig, allowed: [String], config: RoomConfig, what: String
    ) throws(ConfigError) {
        for key in device.options.keys.sorted() where !allowed.contains(key) {
            throw device.optionError(
                key, file: config.source, problem: "\(what) has no option '\(key)'",
                fix: "it takes: " + allowed.joined(separator: ", "))
        }
    }

    static let serialLineKeys: Set<String> = ["baudRate"]

    /// The line settings a serial profile names (`baudRate`); 9600 8N1 without flow control
    /// otherwise.
    static func serialSettings(_ profile: DeviceProfile) throws(DeviceError) -> SerialPortSettings {
        var settings = SerialPortSettings.standard9600
        if let baud = profile.int("baudRate") { settings.baudRate = baud }
        if let reason = settings.invalidReason {
            throw DeviceError(.invalidData, "serial settings \(settings) are unusable: \(reason)", hint: nil)
        }
        return settings
    }
}
