import Glibc

// Lookups in the system's user and group databases, through NSS, with the re-entrant `_r`
// functions: vhrd looks accounts up from several tasks, and the plain `getpwnam` returns a
// pointer into static storage that another thread may overwrite.

/// Users and groups: names to IDs and back, and group membership, for vhrd's access rules.
public enum Accounts {
    /// The user ID of the user called `name`.
    ///
    /// - Throws: `AccountError` `.unknownUser(name)` or `.lookupFailed`.
    ///
    /// The corresponding C function is `getpwnam_r`.
    public static func userID(named name: String) throws(AccountError) -> UInt32 {
        guard let entry = try passwordEntry(name: name) else { throw AccountError(.unknownUser(name)) }
        return entry.uid
    }

    /// The group ID of the group called `name`.
    ///
    /// - Throws: `AccountError` `.unknownGroup(name)` or `.lookupFailed`.
    ///
    /// The corresponding C function is `getgrnam_r`.
    public static func groupID(named name: String) throws(AccountError) -> UInt32 {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>? = nil
        let gid = try withGrowingBuffer("getgrnam_r") { buffer, size in
            getgrnam_r(name, &group, buffer, size, &result)
        } andThen: {
            result == nil ? nil : group.gr_gid
        }
        guard let gid else { throw AccountError(.unknownGroup(name)) }
        return gid
    }

    /// The name of the user with ID `uid`.
    ///
    /// - Throws: `AccountError` `.unknownUserID(uid)` or `.lookupFailed`.
    ///
    /// The corresponding C function is `getpwuid_r`.
    public static func userName(of uid: UInt32) throws(AccountError) -> String {
        guard let entry = try passwordEntry(uid: uid) else { throw AccountError(.unknownUserID(uid)) }
        return entry.name
    }

    /// Every group the user with ID `uid` belongs to: the primary group first, then the
    /// supplementary groups from the group database.
    ///
    /// This reads the databases, not the peer's live credentials: a user added to a group sees
    /// the change here at once, although their running shell does not have it until they log in.
    ///
    /// - Throws: `AccountError` `.unknownUserID(uid)` or `.lookupFailed`.
    ///
    /// The corresponding C functions are `getpwuid_r` and `getgrouplist`.
    public static func groups(ofUser uid: UInt32) throws(AccountError) -> [UInt32] {
        guard let entry = try passwordEntry(uid: uid) else { throw AccountError(.unknownUserID(uid)) }
        var count: CInt = 32
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var found = count
            // getgrouplist returns -1 and updates `found` when the array is too small; no errno.
            let result = groups.withUnsafeMutableBufferPointer { buffer in
                getgrouplist(entry.name, entry.gid, buffer.baseAddress, &found)
            }
            if result != -1 {
                var unique: [UInt32] = []
                for group in groups.prefix(Int(found)) where !unique.contains(group) {
                    unique.append(group)
                }
                return unique
            }
            count = max(found, count * 2)
        }
    }

    // MARK: - Internals

    private struct PasswordEntry {
        var name: String
        var uid: UInt32
        var gid: UInt32
    }

    private static func passwordEntry(name: String) throws(AccountError) -> PasswordEntry? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        return try withGrowingBuffer("getpwnam_r") { buffer, size in
            getpwnam_r(name, &entry, buffer, size, &result)
        } andThen: {
            // `result` only says whether `entry` was filled; the strings point into the buffer.
            result == nil
                ? nil : PasswordEntry(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid)
        }
    }

    private static func passwordEntry(uid: UInt32) throws(AccountError) -> PasswordEntry? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        return try withGrowingBuffer("getpwuid_r") { buffer, size in
            getpwuid_r(uid, &entry, buffer, size, &result)
        } andThen: {
            // `result` only says whether `entry` was filled; the strings point into the buffer.
            result == nil
                ? nil : PasswordEntry(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid)
        }
    }

    /// Calls an `_r` lookup with a scratch buffer, doubling it on `ERANGE`, then reads the
    /// result with `read` while the buffer (which the result's strings point into) is alive.
    private static func withGrowingBuffer<Value>(
        _ function: StaticString,
        _ call: (UnsafeMutablePointer<CChar>, Int) -> CInt,
        andThen read: () -> Value
    ) throws(AccountError) -> Value {
        var size = 1024
        while true {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            do throws(Errno) {
                try SystemCall.runReturningError(function) { call(buffer, size) }
                return read()
            } catch  where error.rawValue == ERANGE && size < 1 << 20 {
                size *= 2
            } catch  where error == .noSuchFileOrDirectory {
                // Some NSS modules report "no such entry" as ENOENT instead of a null result.
                return read()
            } catch {
                throw AccountError(.lookupFailed, errno: error)
            }
        }
    }
}
