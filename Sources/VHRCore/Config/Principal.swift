/// Who a role in `[access]` is granted to, matched against a socket client's peer credentials.
///
/// In the file: `user:NAME`, `group:NAME`, `uid:N`, `gid:N` or `daemon-user`. Names are resolved
/// to ids outside VHRCore (that is I/O); a group matches the client's primary and supplementary
/// groups.
public enum Principal: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A user by login name.
    case user(String)
    /// Every member of a group, by group name.
    case group(String)
    /// A user by numeric id.
    case uid(UInt32)
    /// Every member of a group, by numeric id.
    case gid(UInt32)
    /// The uid vhrd itself runs as, and root.
    case daemonUser

    /// Parses one principal as written in `[access]`; `nil` if it is not one of the five forms.
    public init?(parsing text: String) {
        if text == "daemon-user" {
            self = .daemonUser
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = text[..<colon]
        let value = String(text[text.index(after: colon)...])
        switch kind {
        case "user":
            guard Self.isValidName(value) else { return nil }
            self = .user(value)
        case "group":
            guard Self.isValidName(value) else { return nil }
            self = .group(value)
        case "uid":
            guard let id = Self.numericID(value) else { return nil }
            self = .uid(id)
        case "gid":
            guard let id = Self.numericID(value) else { return nil }
            self = .gid(id)
        default:
            return nil
        }
    }

    /// The form it is written in, which ``init(parsing:)`` reads back.
    public var description: String {
        switch self {
        case .user(let name): "user:\(name)"
        case .group(let name): "group:\(name)"
        case .uid(let id): "uid:\(id)"
        case .gid(let id): "gid:\(id)"
        case .daemonUser: "daemon-user"
        }
    }

    /// A portable POSIX user or group name, as `useradd` accepts by default:
    /// `[a-z_][a-z0-9_-]*`, optionally ending in `$`, at most 32 characters.
    static func isValidName(_ name: String) -> Bool {
        var scalars = Array(name.unicodeScalars)
        if scalars.last == "$" { scalars.removeLast() }
        guard let first = scalars.first, name.unicodeScalars.count <= 32 else { return false }
        guard first == "_" || ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { $0 == "_" || $0 == "-" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// A decimal id. `4294967295` is `(uid_t)-1`, which the kernel uses for "no id", so it is refused.
    private static func numericID(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
            let id = UInt32(text), id != UInt32.max
        else { return nil }
        return id
    }
}
