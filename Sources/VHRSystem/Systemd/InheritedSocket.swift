/// A listening socket systemd created and passed to the daemon (socket activation).
public struct InheritedSocket: Sendable, Hashable {
    /// Its name from `FileDescriptorName=` (`$LISTEN_FDNAMES`), or `unknown` when unnamed.
    public var name: String
    /// The descriptor: close-on-exec and non-blocking once `SocketActivation` returns it.
    public var descriptor: FileDescriptor
    /// The path it is bound to (`getsockname`), or nil for an abstract or unnamed socket.
    public var path: String?

    public init(name: String, descriptor: FileDescriptor, path: String?) {
        self.name = name
        self.descriptor = descriptor
        self.path = path
    }

    /// The last component of `path` (`control.sock`), to match a socket to the configuration.
    public var fileName: String? {
        path.map { path in path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path }
    }
}
