import VHRCore

/// `vhrd`'s command line.
public struct DaemonOptions: Sendable, Equatable {
    public static let defaultConfigPath = "/etc/vhr/vhrd.conf"
    public static let defaultRuntimeDirectory = "/run/vhr"
    public static let defaultStateDirectory = "/var/lib/vhr"
    public static let defaultProfilesDirectory = "/usr/share/vhr/profiles"

    public var configPath: String?
    public var simulate = false
    public var runtimeDirectory: String?
    public var stateDirectory: String?
    public var profilesDirectory: String?
    /// Options for every simulated device, from `--sim-*` flags; they override the config's.
    public var simulationOverrides: [String: String] = [:]
    public var logLevel: LogLevel = .info
    /// `--upload-url`: the FHIR base; it replaces `[upload] url`, or turns uploading on.
    public var uploadURL: String?
    /// `--upload-token-file`: replaces `[upload] token-file`.
    public var uploadTokenFile: String?
    /// `--upload-ca-file`: replaces `[upload] ca-file`.
    public var uploadCAFile: String?
    /// `--upload-timeout`: replaces `[upload] timeout` (seconds).
    public var uploadTimeoutSeconds: Int?

    public enum Action: Sendable, Equatable {
        case run(DaemonOptions)
        case help
        case version
    }

    public static let usage = """
        usage: vhrd [--simulate | --config FILE] [options]

        The controller daemon of a virtual health room.

          --simulate             run a whole room on simulated devices (no configuration file needed)
          --config FILE          the room's configuration (default \(defaultConfigPath))
          --runtime-dir DIR      where the sockets go (default $RUNTIME_DIRECTORY, then \(defaultRuntimeDirectory))
          --state-dir DIR        what must survive a restart (default $STATE_DIRECTORY, then \(defaultStateDirectory))
          --profiles-dir DIR     extra device profiles (default \(defaultProfilesDirectory) if present)
          --log-level LEVEL      error, warning, notice, info (default) or debug

        Uploads (each replaces its [upload] key; --upload-url alone turns uploading on):
          --upload-url URL       the FHIR R4 base measurements are sent to (https://, or http:// to this machine)
          --upload-token-file F  the bearer token's file (default: the systemd credential upload-token)
          --upload-ca-file F     trust these PEM certificates for the server instead of the system's
          --upload-timeout S     seconds one upload may take, connecting included (default 30)

        Simulated devices (with --simulate, or devices whose profile is simulated):
          --sim-time-scale X     run the cuff X times faster than real time (e.g. 40)
          --sim-fault FAULT      inject a cuff fault: none, cuff-loose, motion, pressure-too-high,
                                 disconnect, no-response
          --sim-fault-rate P     chance (0 to 1) that a measurement fails by itself (default 0.05)
          --sim-seed N           make the simulation repeatable
          --sim-source SOURCE    stethoscope audio: recording:NAME, file:PATH.wav or synthetic[:rate=4000,bpm=72]

          --help, --version
        """

    public init() {}

    public static func parse(_ arguments: [String]) throws(UsageError) -> Action {
        var options = DaemonOptions()
        var iterator = arguments.makeIterator()
        func value(for flag: String) throws(UsageError) -> String {
            guard let value = iterator.next(), !value.hasPrefix("--") else {
                throw UsageError("\(flag) needs a value")
            }
            return value
        }
        while let argument = iterator.next() {
            // Accept --flag=value as well as --flag value.
            var flag = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            func next() throws(UsageError) -> String {
                if let inline { return inline }
                return try value(for: flag)
            }
            switch flag {
            case "--help", "-h": return .help
            case "--version": return .version
            case "--simulate": options.simulate = true
            case "--config": options.configPath = try next()
            case "--runtime-dir": options.runtimeDirectory = try absolute(try next(), flag)
            case "--state-dir": options.stateDirectory = try absolute(try next(), flag)
            case "--profiles-dir": options.profilesDirectory = try absolute(try next(), flag)
            case "--log-level":
                let name = try next()
                guard let level = LogLevel(name: name) else {
                    throw UsageError("unknown log level '\(name)'; use error, warning, notice, info or debug")
                }
                options.logLevel = level
            case "--upload-url":
                let url = try next()
                if let problem = UploadTarget.urlProblem(url) {
                    throw UsageError("--upload-url: \(problem.problem); \(problem.fix)")
                }
                options.uploadURL = url
            case "--upload-token-file": options.uploadTokenFile = try absolute(try next(), flag)
            case "--upload-ca-file": options.uploadCAFile = try absolute(try next(), flag)
            case "--upload-timeout":
                let text = try next()
                guard let seconds = Int(text), (1...600).contains(seconds) else {
                    throw UsageError("--upload-timeout needs a whole number of seconds from 1 to 600, not '\(text)'")
                }
                options.uploadTimeoutSeconds = seconds
            case "--sim-time-scale": options.simulationOverrides["time-scale"] = try next()
            case "--sim-fault": options.simulationOverrides["fault"] = try next()
            case "--sim-fault-rate": options.simulationOverrides["fault-rate"] = try next()
            case "--sim-seed": options.simulationOverrides["seed"] = try next()
            case "--sim-source": options.simulationOverrides["source"] = try next()
            default:
                throw UsageError("unknown option '\(argument)'")
            }
        }
        if options.simulate, options.configPath != nil {
            throw UsageError("--simulate runs the embedded simulated room; it cannot be combined with --config")
        }
        if options.uploadURL == nil, options.simulate,
            options.uploadTokenFile != nil || options.uploadCAFile != nil || options.uploadTimeoutSeconds != nil
        {
            throw UsageError("the simulated room uploads nothing unless --upload-url names a server")
        }
        return .run(options)
    }

    private static func absolute(_ path: String, _ flag: String) throws(UsageError) -> String {
        guard path.hasPrefix("/") else {
            throw UsageError("\(flag) needs an absolute path, not '\(path)'")
        }
        return path
    }

    /// Picks a directory: the flag, then systemd's variable, then the config, then the default.
    /// systemd may pass several paths separated by ':'; the first is ours.
    static func directory(flag: String?, environment: String?, config: String?, fallback: String) -> String {
        if let flag { return flag }
        if let environment, let first = environment.split(separator: ":").first, first.hasPrefix("/") {
            return String(first)
        }
        return config ?? fallback
    }
}

/// A command-line mistake, printed with the usage hint.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
