import Glibc

/// A device node's ownership and permissions, as `stat(2)` gives them: what the self-test shows
/// a technician about a cuff's port or USB device file.
public struct DeviceNode: Sendable, Equatable {
    public var path: String
    public var owner: UInt32
    public var group: UInt32
    /// Permission bits and file type, as `st_mode`.
    public var mode: UInt32

    public init(path: String, owner: UInt32, group: UInt32, mode: UInt32) {
        self.path = path
        self.owner = owner
        self.group = group
        self.mode = mode
    }

    /// The node at `path` (links followed), `nil` when nothing is there.
    /// - Throws: `Errno` other than `ENOENT`/`ENOTDIR` (such as `EACCES` on a closed directory).
    ///
    /// The corresponding C function is `stat`.
    public static func inspect(path: String) throws(Errno) -> DeviceNode? {
        var status = stat()
        do {
            _ = try SystemCall.run("stat") { stat(path, &status) }
        } catch  where error == .noSuchFileOrDirectory || error == .notDirectory {
            return nil
        }
        return DeviceNode(path: path, owner: status.st_uid, group: status.st_gid, mode: status.st_mode)
    }

    /// The name of `owner`, else its number.
    public var ownerName: String { (try? Accounts.userName(of: owner)) ?? String(owner) }

    /// The name of `group`, else its number.
    public var groupName: String {
        guard let entry = getgrgid(group), let name = entry.pointee.gr_name else { return String(group) }
        return String(cString: name)
    }

    /// This process's effective user and every group it holds (effective and supplementary).
    ///
    /// The corresponding C functions are `geteuid`, `getegid` and `getgroups`.
    public static func currentCredentials() -> (uid: UInt32, groups: [UInt32]) {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let filled = groups.withUnsafeMutableBufferPointer { getgroups(count, $0.baseAddress) }
        var all = [getegid()]
        for group in groups.prefix(Int(max(filled, 0))) where !all.contains(group) { all.append(group) }
        return (geteuid(), all)
    }
}
