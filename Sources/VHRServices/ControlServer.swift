import Dispatch
import Foundation
import VHRCore
import VHRSystem

/// The control socket: line-delimited JSON requests, replies and events.
///
/// Accepting, reading and writing happen on one serial queue; each request is handed to the
/// `ControlHandler` in a task, and its reply comes back to the queue. A client is identified
/// once, by SO_PEERCRED, when it connects; a client without a role gets one refusal line
/// and is closed. The protocol is described in docs/control-protocol.md.
public final class ControlServer: Sendable {
    /// Malformed lines in a row after which a client is disconnected.
    static let maxConsecutiveErrors = 20

    private let queue = DispatchQueue(label: "vhr.control")
    private let listener: LocalSocketListener
    public var path: String { listener.path }
    private let handler: ControlHandler
    private let policy: AccessPolicy
    private let logger: Logger
    private let state: QueueConfined<State>

    private struct State {
        var connections: [ObjectIdentifier: SocketConnection] = [:]
        var nextClient = 1
    }

    /// - Parameter inherited: a listening socket systemd passed (`SocketActivation`), served
    ///   instead of binding `path`; its file is left in place when the server stops.
    public init(
        path: String, mode: UInt32, handler: ControlHandler, policy: AccessPolicy, logger: Logger,
        inherited: FileDescriptor? = nil
    ) throws {
        self.listener = try LocalSocketListener(
            path: path, mode: mode, name: "control", queue: queue, logger: logger, maxPendingOutput: 4 << 20,
            inherited: inherited)
        self.handler = handler
        self.policy = policy
        self.logger = logger
        self.state = QueueConfined(State(), queue: queue)
    }

    public func start() {
        queue.async { [self] in
            listener.start { [self] connection in admit(connection) }
        }
    }

    /// Whether the accept loop answers: a round trip through the server's queue, true when the
    /// loop is installed and not cancelled. The watchdog asks this with a deadline, so a queue
    /// stuck in a handler shows as no answer at all.
    public func heartbeat() async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async { [listener] in continuation.resume(returning: listener.isAccepting) }
        }
    }

    /// Stops accepting, closes every client and removes the socket file (not an inherited one).
    public func stop() {
        queue.sync {
            listener.cancel()
            for connection in state.value.connections.values { connection.close(reason: "vhrd is stopping") }
            state.value.connections.removeAll()
        }
        listener.removeSocketFile()
    }

    private func admit(_ connection: SocketConnection) {
        let roles = policy.roles(of: connection.peer)
        let client = "control#\(state.value.nextClient)"
        state.value.nextClient += 1
        let id = ObjectIdentifier(connection)
        state.value.connections[id] = connection
        let session = ControlSession(
            client: client, peer: connection.peer, roles: roles,
            // The strong capture is released when the connection closes: it drops its handlers
            // and the handler drops the event subscription.
            deliver: { [queue] line in
                queue.async { connection.send(Array((line + "\n").utf8)) }
            })
        connection.start(
            onData: { [weak self] bytes in self?.received(bytes, on: connection, session: session) },
            onClose: { [weak self] reason in
                guard let self else { return }
                self.state.value.connections.removeValue(forKey: id)
                self.handler.disconnected(session)
                self.logger.debug("control client left", ["client": client, "reason": reason])
            })
        guard !roles.isEmpty else {
            logger.notice(
                "control client refused: no role",
                ["client": client, "uid": String(connection.peer.uid), "gid": String(connection.peer.gid)])
            let refusal = ControlEvent(
                name: "refused",
                fields: [
                    "error": [
                        "code": "no_role",
                        "message": .string(
                            "uid \(connection.peer.uid) (gid \(connection.peer.gid)) has no role in this room"),
                        "hint": .string(
                            "a technician adds this user or one of its groups to [access] in \(handler.configSource)"),
                    ]
                ])
            connection.send(Array((refusal.jsonLine() + "\n").utf8))
            connection.finish(reason: "no role")
            return
        }
        logger.debug(
            "control client connected",
            [
                "client": client, "uid": String(connection.peer.uid),
                "roles": roles.sorted().map(\.rawValue).joined(separator: ","),
            ])
        connection.send(Array((handler.hello(for: session).jsonLine() + "\n").utf8))
    }

    private func received(_ bytes: ArraySlice<UInt8>, on connection: SocketConnection, session: ControlSession) {
        session.framer.append(bytes)
        while let result = session.framer.nextLine() {
            switch result {
            case .line(let line):
                if line.allSatisfy(\.isWhitespace) { continue }
                handle(line: line, on: connection, session: session)
            case .oversize(let length):
                reject(
                    id: .null,
                    error: RemoteError(
                        code: "line_too_long",
                        message: "request line of \(length) bytes exceeds the limit of \(session.framer.maxLineLength)",
                        hint: "send one JSON object per line"), on: connection, session: session)
            case .invalidUTF8:
                reject(
                    id: .null,
                    error: RemoteError(code: "bad_request", message: "request is not valid UTF-8", hint: nil),
                    on: connection, session: session)
            }
            if connection.isClosed { return }
        }
    }

    private func handle(line: String, on connection: SocketConnection, session: ControlSession) {
        let request: ControlRequest
        do {
            request = try ControlRequest.decode(line: line)
        } catch {
            reject(
                id: error.id ?? .null,
                error: RemoteError(code: "bad_request", message: error.description, hint: nil),
                on: connection, session: session)
            return
        }
        session.consecutiveErrors = 0
        Task { [handler, queue] in
            let reply = await handler.handle(request, session: session)
            queue.async { connection.send(Array((reply.jsonLine() + "\n").utf8)) }
        }
    }

    private func reject(id: JSONValue, error: RemoteError, on connection: SocketConnection, session: ControlSession) {
        connection.send(Array((ControlReply.failure(id: id, error: error).jsonLine() + "\n").utf8))
        session.consecutiveErrors += 1
        if session.consecutiveErrors >= Self.maxConsecutiveErrors {
            logger.notice("control client disconnected after repeated malformed requests", ["client": session.client])
            connection.finish(reason: "too many malformed requests")
        }
    }
}

/// State that belongs to one serial queue.
// @unchecked Sendable: `value` is only touched on `queue`, which the accessors check.
final class QueueConfined<Value>: @unchecked Sendable {
    private var storage: Value
    private let queue: DispatchQueue

    init(_ value: Value, queue: DispatchQueue) {
        self.storage = value
        self.queue = queue
    }

    var value: Value {
        get {
            dispatchPrecondition(condition: .onQueue(queue))
            return storage
        }
        _modify {
            dispatchPrecondition(condition: .onQueue(queue))
            yield &storage
        }
    }
}
