/// The room's configuration, read from `/etc/vhr/vhrd.conf` (see `docs/configuration.md`).
///
/// ``parse(_:file:)`` checks everything that can be checked from the text alone;
/// ``validate(against:)`` then checks it against the device profiles. Device options are kept as
/// text for the device family to check.
public struct RoomConfig: Sendable, Equatable {
    /// The file path, or ``simulatedRoomSource`` for ``simulatedRoom``.
    public var source: String
    /// `[room] name`: how the room introduces itself in status and uploads.
    public var roomName: String
    /// `[room] runtime-dir`: an absolute path; `nil` leaves the choice to vhrd.
    public var runtimeDirectory: String?
    /// `[room] state-dir`: an absolute path; `nil` leaves the choice to vhrd.
    public var stateDirectory: String?
    /// `[room] profiles-dir`: an absolute path to extra profile files; `nil` for none.
    public var profilesDirectory: String?
    /// `[sockets] control`: the control socket's file name in the runtime directory.
    public var controlSocket: String
    /// `[sockets] stream`: the audio stream socket's file name in the runtime directory.
    public var streamSocket: String
    /// `[sockets] tap`: the plain audio tap's file name in the runtime directory.
    public var tapSocket: String = RoomConfig.defaultTapSocket
    /// `[sockets] metrics`: the Prometheus text exposition (docs/metrics.md).
    public var metricsSocket: String = RoomConfig.defaultMetricsSocket
    /// `[sockets] tap-format`: a WAV header first (the default) or raw samples.
    public var tapFormat: TapFormat = .wav
    /// `[upload]`; `nil` when the section is absent and nothing is uploaded.
    public var upload: UploadTarget?
    /// `[room] min-free-space`: below this much free space (MiB) in the state directory's file
    /// system, new measurements are refused so the stored ones are never at risk.
    public var minimumFreeMegabytes: Int = RoomConfig.defaultMinimumFreeMegabytes
    /// `[access]`, one rule per principal, in file order. A role the file does not mention is
    /// granted to ``Principal/daemonUser`` only; those default rules come last.
    public var access: [AccessRule]
    /// The `[device NAME]` sections, in file order.
    public var devices: [DeviceConfig]

    /// The default of ``roomName``.
    public static let defaultRoomName = "vhr room"
    /// 64 MiB: room for SQLite's journal and a few thousand measurements, far above what one
    /// visit needs, yet small enough for a kiosk's card.
    public static let defaultMinimumFreeMegabytes = 64
    /// The default of ``controlSocket``.
    public static let defaultControlSocket = "control.sock"
    /// The default of ``streamSocket``.
    public static let defaultStreamSocket = "stream.sock"
    /// The default of ``tapSocket``.
    public static let defaultTapSocket = "tap.sock"
    /// The default of ``metricsSocket``.
    public static let defaultMetricsSocket = "metrics.sock"
    /// The default configuration file.
    public static let defaultPath = "/etc/vhr/vhrd.conf"

    public init(
        source: String, roomName: String = RoomConfig.defaultRoomName, runtimeDirectory: String? = nil,
        stateDirectory: String? = nil, profilesDirectory: String? = nil,
        controlSocket: String = RoomConfig.defaultControlSocket, streamSocket: String = RoomConfig.defaultStreamSocket,
        upload: UploadTarget? = nil, access: [AccessRule] = [], devices: [DeviceConfig] = []
    ) {
        self.source = source
        self.roomName = roomName
        self.runtimeDirectory = runtimeDirectory
        self.stateDirectory = stateDirectory
        self.profilesDirectory = profilesDirectory
        self.controlSocket = controlSocket
        self.streamSocket = streamSocket
        self.upload = upload
        self.access = access
        self.devices = devices
    }

    /// Parses a configuration file's text; `file` is its path, named in every error.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> RoomConfig {
        let document = try IniDocument.parse(text, file: file)
        var parser = RoomConfigParser(file: file)
        try parser.read(document)
        return parser.config
    }

    /// The ``source`` of ``simulatedRoom``.
    public static let simulatedRoomSource = "embedded simulated room"

    /// The text ``simulatedRoom`` is parsed from, so that its line numbers and `vhrctl` can show it.
    public static let simulatedRoomText = """
        # The room `vhrd --simulate` runs: simulated devices, nothing uploaded, and every role
        # for the daemon's own user (and root) only.
        [device cuff]
        profile = simulated-bp-cuff

        [device stethoscope]
        profile = simulated-stethoscope

        [access]
        kiosk = daemon-user
        clinician = daemon-user
        technician = daemon-user

        """

    /// The room `vhrd --simulate` runs without any file: device `cuff` (profile
    /// `simulated-bp-cuff`), device `stethoscope` (profile `simulated-stethoscope`), every role
    /// granted to the daemon's own user, no upload.
    public static let simulatedRoom: RoomConfig = {
        do {
            return try parse(simulatedRoomText, file: simulatedRoomSource)
        } catch {
            preconditionFailure("the embedded simulated room does not parse: \(error)")
        }
    }()

    /// Checks the devices against the profiles: there is at least one device, device names are
    /// unique and `[a-z0-9-]+`, and every device's profile exists in `catalog`.
    public func validate(against catalog: ProfileCatalog) throws(ConfigError) {
        guard !devices.isEmpty else {
            throw ConfigError(
                file: source, line: nil, field: "[device NAME]", problem: "no devices are configured",
                fix: "add a section such as [device cuff] with the line profile = simulated-bp-cuff")
        }
        var seen: [String: Int] = [:]
        for device in devices {
            if let problem = RoomConfigParser.deviceNameProblem(device.id) {
                throw ConfigError(
                    file: source, line: device.line, field: device.header, problem: problem.problem, fix: problem.fix)
            }
            if let first = seen[device.id] {
                throw RoomConfigParser.duplicateDevice(device.id, line: device.line, first: first, file: source)
            }
            seen[device.id] = device.line
            if catalog.profile(device.profile) == nil {
                let known = catalog.all.map(\.id).joined(separator: ", ")
                let add = "add DeviceProfiles/\(device.profile).json"
                throw device.optionError(
                    "profile", file: source, problem: "no profile named '\(device.profile)'",
                    fix: known.isEmpty ? add : "use one of \(known), or \(add)")
            }
        }
    }
}
