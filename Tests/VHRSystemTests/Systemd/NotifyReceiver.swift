import Glibc
import VHRSystem

/// The systemd side of sd_notify for tests: a datagram socket bound at a path or an abstract
/// name, whose messages are read with a timeout.
final class NotifyReceiver {
    let address: SystemdNotifier.Address
    private let fd: CInt

    /// - Parameter address: a path (in a test's temporary directory) or an abstract name.
    init(_ address: SystemdNotifier.Address) {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket failed")
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes: [UInt8]
        switch address {
        case .path(let path): bytes = Array(path.utf8)
        case .abstract(let name): bytes = [0] + Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
        let header = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(header + bytes.count + (bytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        precondition(bound == 0, "bind failed: \(String(cString: strerror(errno)))")
    }

    deinit {
        close(fd)
        if case .path(let path) = address { unlink(path) }
    }

    /// The next message, or nil if none arrives within `milliseconds`.
    func receive(milliseconds: Int32 = 5000) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }
}
