import Dispatch
import VHRCore
import VHRSystem

/// A listening Unix socket in the runtime directory, whose clients arrive on one serial queue
/// as `SocketConnection`s that already carry their peer credentials.
///
/// The control, stream and tap servers differ in what they say to a client, not in how they
/// accept one; this is the part they share.
final class LocalSocketListener: Sendable {
    let path: String
    private let name: String
    private let descriptor: FileDescriptor
    private let queue: DispatchQueue
    private let logger: Logger
    private let sendBufferBytes: Int?
    private let maxPendingOutput: Int
    private let source: QueueConfined<(any DispatchSourceRead)?>
    /// Whether this listener created the socket file, and so removes it when stopped. A socket
    /// systemd passed (socket activation) belongs to the socket unit, which keeps it listening
    /// while the daemon restarts.
    let ownsSocketFile: Bool

    /// Creates the socket file (see `UnixSocket.listen` for a leftover or a live one), or adopts
    /// `inherited`, a listening socket systemd passed, and leaves the file alone.
    /// - Parameters:
    ///   - name: the socket's name in log lines (`control`, `stream`, `tap`).
    ///   - sendBufferBytes: `SO_SNDBUF` for each client, or nil for the kernel's default.
    ///   - inherited: a listening, non-blocking socket from `SocketActivation`; `path` and
    ///     `mode` then only describe it (the socket unit set its mode).
    init(
        path: String, mode: UInt32, name: String, queue: DispatchQueue, logger: Logger, sendBufferBytes: Int? = nil,
        maxPendingOutput: Int, inherited: FileDescriptor? = nil
    ) throws {
        self.path = path
        self.name = name
        self.descriptor = try inherited ?? UnixSocket.listen(path: path, mode: mode, backlog: 16)
        self.ownsSocketFile = inherited == nil
        self.queue = queue
        self.logger = logger
        self.sendBufferBytes = sendBufferBytes
        self.maxPendingOutput = maxPendingOutput
        self.source = QueueConfined(nil, queue: queue)
    }

    /// Starts accepting; `admit` runs on the queue for every client. Must be called on the queue.
    func start(admit: @escaping (SocketConnection) -> Void) {
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor.rawValue, queue: queue)
        source.setEventHandler { [self] in acceptAll(admit) }
        source.setCancelHandler { [descriptor] in descriptor.closeIgnoringErrors() }
        self.source.value = source
        source.resume()
    }

    /// Stops accepting and closes the socket. Must be called on the queue.
    func cancel() {
        source.value?.cancel()
        source.value = nil
    }

    /// Removes the socket file, so a stopped daemon leaves nothing to connect to; an inherited
    /// socket's file stays, for systemd to start the next daemon on.
    func removeSocketFile() {
        guard ownsSocketFile else { return }
        try? Directories.removeFile(path: path)
    }

    /// Whether the accept loop is installed and not cancelled. Must be called on the queue.
    var isAccepting: Bool {
        guard let source = source.value else { return false }
        return !source.isCancelled
    }

    private func acceptAll(_ admit: (SocketConnection) -> Void) {
        while true {
            let fd: FileDescriptor
            do {
                guard let accepted = try UnixSocket.accept(descriptor) else { return }
                fd = accepted
            } catch {
                logger.error("\(name) socket accept failed", ["error": "\(error)"])
                return
            }
            let peer: PeerCredentials
            do {
                peer = try UnixSocket.peerCredentials(of: fd)
            } catch {
                fd.closeIgnoringErrors()
                logger.warning("\(name) client without credentials", ["error": "\(error)"])
                continue
            }
            if let sendBufferBytes { try? UnixSocket.setSendBufferSize(fd, bytes: sendBufferBytes) }
            admit(SocketConnection(fd: fd, peer: peer, queue: queue, maxPendingOutput: maxPendingOutput))
        }
    }
}
