/// What kind of instrument a device is.
public enum DeviceKind: String, Sendable, Codable, CaseIterable {
    case bloodPressureCuff = "bp-cuff"
    case stethoscope
}

/// A device as the room knows it: its name in the room's configuration and the profile that
/// describes its model.
public struct DeviceInfo: Sendable, Equatable, Codable {
    /// The room-local name from the configuration, such as `cuff` or `stethoscope`.
    public var id: String
    public var kind: DeviceKind
    /// The `DeviceProfiles/` identifier, such as `simulated-bp-cuff`.
    public var profile: String
    /// The model's human name from the profile.
    public var model: String
    /// How the daemon reaches it: `simulated`, `usb`, `serial`, `alsa`.
    public var transport: String
    public var simulated: Bool

    public init(
        id: String, kind: DeviceKind, profile: String, model: String, transport: String, simulated: Bool
    ) {
        self.id = id
        self.kind = kind
        self.profile = profile
        self.model = model
        self.transport = transport
        self.simulated = simulated
    }
}
