/// One `[device NAME]` section: a device in the room and the profile of its model.
public struct DeviceConfig: Sendable, Equatable {
    /// The room-local name from the header, such as `cuff`: `[a-z0-9-]+`.
    public var id: String
    /// The id of its ``DeviceProfile``.
    public var profile: String
    /// Every other `key = value` in the section, kept as text for the device family to check.
    public var options: [String: String]
    /// The 1-based line of the section header.
    public var line: Int
    /// The 1-based line of each key in the section, `profile` included, for precise errors.
    public var keyLines: [String: Int]

    public init(id: String, profile: String, options: [String: String] = [:], line: Int, keyLines: [String: Int] = [:])
    {
        self.id = id
        self.profile = profile
        self.options = options
        self.line = line
        self.keyLines = keyLines
    }

    /// The section header as written: `[device cuff]`.
    public var header: String { "[device \(id)]" }

    /// An error about one of this device's options, pointing at the option's line (or at the
    /// section header when the option is missing). Device families use it to reject options.
    ///
    /// - Parameter file: the configuration's ``RoomConfig/source``.
    public func optionError(_ key: String, file: String, problem: String, fix: String) -> ConfigError {
        ConfigError(file: file, line: keyLines[key] ?? line, field: "\(header) \(key)", problem: problem, fix: fix)
    }
}
