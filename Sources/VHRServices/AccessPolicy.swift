import VHRCore
import VHRSystem

/// Maps a socket client's peer credentials to its roles, from the room's `[access]` rules.
///
/// Names are resolved once at start, so a typo in the configuration stops the daemon with a
/// clear error instead of silently locking everyone out; group membership is looked up per
/// connection, so adding a technician to a group works without a restart.
public struct AccessPolicy: Sendable {
    struct Grant: Sendable {
        var role: Role
        var uid: UInt32?
        var gid: UInt32?
    }

    private let grants: [Grant]

    /// Resolves the rules' user and group names.
    /// - Parameter daemonUID: the uid vhrd runs as, which `daemon-user` stands for (with root).
    public init(rules: [AccessRule], daemonUID: UInt32, configFile: String) throws {
        var grants: [Grant] = []
        for rule in rules {
            switch rule.principal {
            case .uid(let uid): grants.append(Grant(role: rule.role, uid: uid))
            case .gid(let gid): grants.append(Grant(role: rule.role, gid: gid))
            case .daemonUser:
                grants.append(Grant(role: rule.role, uid: daemonUID))
                grants.append(Grant(role: rule.role, uid: 0))
            case .user(let name):
                do {
                    grants.append(Grant(role: rule.role, uid: try Accounts.userID(named: name)))
                } catch {
                    throw ConfigError(
                        file: configFile, line: nil, field: "[access] \(rule.role.rawValue)",
                        problem: "no user '\(name)' on this system",
                        fix: "create the user or correct the name")
                }
            case .group(let name):
                do {
                    grants.append(Grant(role: rule.role, gid: try Accounts.groupID(named: name)))
                } catch {
                    throw ConfigError(
                        file: configFile, line: nil, field: "[access] \(rule.role.rawValue)",
                        problem: "no group '\(name)' on this system",
                        fix: "create the group (groupadd \(name)) or correct the name")
                }
            }
        }
        self.grants = grants
    }

    /// The roles of a client.
    public func roles(of peer: PeerCredentials) -> Set<Role> {
        var groups: Set<UInt32> = [peer.gid]
        if grants.contains(where: { $0.gid != nil }) {
            groups.formUnion((try? Accounts.groups(ofUser: peer.uid)) ?? [])
        }
        var roles: Set<Role> = []
        for grant in grants {
            if let uid = grant.uid, uid == peer.uid { roles.insert(grant.role) }
            if let gid = grant.gid, groups.contains(gid) { roles.insert(grant.role) }
        }
        return roles
    }
}
