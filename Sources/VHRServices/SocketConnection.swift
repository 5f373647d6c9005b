import Dispatch
import VHRSystem

/// One client of a local socket: non-blocking reads and buffered writes on a serial queue.
///
/// A client that stops reading never blocks the daemon: its output waits in a bounded
/// buffer, and a client whose backlog passes `maxPendingOutput` is disconnected.
// @unchecked Sendable: every mutable field is touched only on `queue`, which owns the object.
final class SocketConnection: @unchecked Sendable {
    let fd: FileDescriptor
    let peer: PeerCredentials
    let queue: DispatchQueue
    private let maxPendingOutput: Int
    private var readSource: (any DispatchSourceRead)?
    private var writeSource: (any DispatchSourceWrite)?
    private var output: [UInt8] = []
    private var outputStart = 0
    private var openSources = 0
    private(set) var isClosed = false
    /// Bytes queued but not yet taken by the socket.
    var pendingOutputBytes: Int { output.count - outputStart }
    /// Bytes the socket has taken since the connection opened: when it grows, the client is
    /// reading, however slowly.
    private(set) var bytesSent: UInt64 = 0
    /// Set when the connection should close once its output has drained.
    private var closeWhenDrained = false
    private var onData: ((ArraySlice<UInt8>) -> Void)?
    private var onClose: ((String) -> Void)?

    init(fd: FileDescriptor, peer: PeerCredentials, queue: DispatchQueue, maxPendingOutput: Int) {
        self.fd = fd
        self.peer = peer
        self.queue = queue
        self.maxPendingOutput = maxPendingOutput
    }

    /// Starts reading. Must be called on `queue`.
    func start(onData: @escaping (ArraySlice<UInt8>) -> Void, onClose: @escaping (String) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        self.onData = onData
        self.onClose = onClose
        let source = DispatchSource.makeReadSource(fileDescriptor: fd.rawValue, queue: queue)
        source.setEventHandler { [unowned self] in self.readAvailable() }
        source.setCancelHandler { [self] in self.sourceCancelled() }
        openSources += 1
        readSource = source
        source.resume()
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !isClosed {
            let result: IOResult<Int>
            do {
                result = try buffer.withUnsafeMutableBytes { (raw) throws(Errno) in try fd.read(into: raw) }
            } catch {
                close(reason: "read failed: \(error)")
                return
            }
            switch result {
            case .value(0):
                close(reason: isLingering ? pendingCloseReason : "client closed the connection")
                return
            case .value(let count):
                onData?(buffer[0..<count])
            case .wouldBlock:
                return
            }
        }
    }

    /// Queues bytes and writes what the socket takes now. Must be called on `queue`.
    func send(_ bytes: some Collection<UInt8>) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed, !closeWhenDrained else { return }
        // Nothing queued (the usual case): the socket takes the bytes straight from the caller's
        // buffer, and only what it refuses is copied into `output`.
        if outputStart == output.count,
            let taken = bytes.withContiguousStorageIfAvailable({ writeNow(UnsafeRawBufferPointer($0)) })
        {
            guard !isClosed, taken < bytes.count else { return }
            output.append(contentsOf: bytes.dropFirst(taken))
        } else {
            output.append(contentsOf: bytes)
        }
        if output.count - outputStart > maxPendingOutput {
            close(reason: "client stopped reading (\(output.count - outputStart) bytes waiting)")
            return
        }
        flush()
    }

    /// Sends what is queued, then ends the connection so the client reads all of it: refusals,
    /// protocol errors, and answers after which nothing follows.
    ///
    /// Closing a socket with input still unread makes the kernel reset the connection, and the
    /// peer's pending reads fail with ECONNRESET before it reads our last message (a client that
    /// sent its request line just as it was refused). So once the output has drained, the sending
    /// side is shut down (the client reads the message, then end of file), input is discarded, and
    /// the connection closes when the client closes its end, or after `lingerSeconds`.
    func finish(reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        closeWhenDrained = true
        pendingCloseReason = reason
        flush()
    }
    private var pendingCloseReason = ""
    /// Set once the sending side is shut down and the connection waits for the client to close.
    private var isLingering = false
    /// How long a finished connection waits for its client to close before closing itself.
    static let lingerSeconds = 2.0

    /// Writes what the socket takes now, without queuing; returns the bytes taken. Closes the
    /// connection on an error.
    private func writeNow(_ bytes: UnsafeRawBufferPointer) -> Int {
        var taken = 0
        while taken < bytes.count {
            do {
                switch try fd.send(UnsafeRawBufferPointer(rebasing: bytes[taken...]), flags: [.dontWait]) {
                case .value(let count):
                    taken += count
                    bytesSent += UInt64(count)
                case .wouldBlock:
                    return taken
                }
            } catch {
                close(reason: "write failed: \(error)")
                return taken
            }
        }
        return taken
    }

    private func flush() {
        while outputStart < output.count, !isClosed {
            let result: IOResult<Int>
            do {
                result = try output[outputStart...].withUnsafeBytes { (raw) throws(Errno) in
                    try fd.send(raw, flags: [.dontWait])
                }
            } catch {
                close(reason: "write failed: \(error)")
                return
            }
            switch result {
            case .value(let count):
                outputStart += count
                bytesSent += UInt64(count)
            case .wouldBlock:
                armWriteSource()
                return
            }
        }
        if outputStart == output.count {
            output.removeAll(keepingCapacity: output.capacity <= 65536)
            outputStart = 0
            disarmWriteSource()
            if closeWhenDrained { linger() }
        } else if outputStart > 65536 {
            output.removeFirst(outputStart)
            outputStart = 0
        }
    }

    /// Shuts the sending side after the output drained; see `finish(reason:)`.
    private func linger() {
        guard !isLingering, !isClosed else { return }
        isLingering = true
        onData = nil  // whatever the client still sends is read and dropped
        do {
            try UnixSocket.shutdownWrite(fd)
        } catch {
            close(reason: pendingCloseReason)
            return
        }
        guard readSource != nil else { return close(reason: pendingCloseReason) }
        queue.asyncAfter(deadline: .now() + Self.lingerSeconds) { [weak self] in
            guard let self else { return }
            self.close(reason: self.pendingCloseReason)
        }
    }

    private func armWriteSource() {
        guard writeSource == nil, !isClosed else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd.rawValue, queue: queue)
        source.setEventHandler { [unowned self] in self.flush() }
        source.setCancelHandler { [self] in self.sourceCancelled() }
        openSources += 1
        writeSource = source
        source.resume()
    }

    private func disarmWriteSource() {
        writeSource?.cancel()
        writeSource = nil
    }

    /// Closes the connection; the descriptor is closed once Dispatch has let go of it.
    func close(reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        isClosed = true
        readSource?.cancel()
        readSource = nil
        disarmWriteSource()
        if openSources == 0 { fd.closeIgnoringErrors() }
        let onClose = self.onClose
        self.onClose = nil
        self.onData = nil
        onClose?(reason)
    }

    private func sourceCancelled() {
        openSources -= 1
        // Dispatch may still be watching the descriptor until every cancel handler has run.
        if openSources == 0, isClosed { fd.closeIgnoringErrors() }
    }
}
