/// One grant from `[access]`: clients matching `principal` may act as `role`.
///
/// `kiosk = group:vhr-kiosk, daemon-user` becomes two rules. A client holds every role one of
/// its rules grants.
public struct AccessRule: Sendable, Equatable, Hashable {
    public var role: Role
    public var principal: Principal

    public init(role: Role, principal: Principal) {
        self.role = role
        self.principal = principal
    }
}
