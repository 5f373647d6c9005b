/// Who is on the other end of a Unix socket, as the kernel recorded it when the peer connected.
///
/// The kernel fills these in; the peer cannot lie about them. vhrd uses them to decide what a
/// control connection may do (see `Role`).
public struct PeerCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The peer's process ID.
    public var pid: Int32
    /// The peer's effective user ID.
    public var uid: UInt32
    /// The peer's effective group ID.
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}
