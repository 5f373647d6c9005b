/// A user or group that vhrd's configuration names but the system does not know, or a failed
/// lookup in the account databases (`/etc/passwd`, `/etc/group`, NSS).
public struct AccountError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was looked up and not found.
    public enum Code: Sendable, Hashable {
        /// No user with that name.
        case unknownUser(String)
        /// No group with that name.
        case unknownGroup(String)
        /// No user with that ID.
        case unknownUserID(UInt32)
        /// The lookup itself failed (NSS unreachable, out of memory, …); see `errno`.
        case lookupFailed
    }

    /// What went wrong.
    public var code: Code
    /// The underlying system error for `.lookupFailed`.
    public var errno: Errno?
    /// The configuration file that named the account, for the hint; set by whoever read it.
    public var configurationFile: String?

    public init(_ code: Code, errno: Errno? = nil, configurationFile: String? = nil) {
        self.code = code
        self.errno = errno
        self.configurationFile = configurationFile
    }

    public var description: String {
        let file = configurationFile ?? "the vhrd configuration"
        switch code {
        case .unknownUser(let name):
            return "no user '\(name)' on this system; create it (useradd --system \(name)) or fix [access] in \(file)"
        case .unknownGroup(let name):
            return "no group '\(name)' on this system; create it (groupadd --system \(name)) or fix [access] in \(file)"
        case .unknownUserID(let uid):
            return "no user with uid \(uid) on this system"
        case .lookupFailed:
            return "looking up accounts failed: \(errno.map(String.init(describing:)) ?? "unknown error"); "
                + "check /etc/nsswitch.conf"
        }
    }
}
