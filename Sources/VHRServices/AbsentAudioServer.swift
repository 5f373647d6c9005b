import Dispatch
import Foundation
import VHRCore
import VHRSystem

/// Answers the audio sockets systemd passes to a room that has no stethoscope.
///
/// The shipped `vhrd.socket` always listens on `stream.sock` and `tap.sock`. Were vhrd to close
/// the copies it is given, systemd's own copy would keep accepting, and a bridge connecting would
/// wait forever for a HELLO that never comes. Instead every client is told at once: the stream
/// socket sends one ERROR frame (`no_stethoscope`) and closes, the tap socket closes without a
/// byte (a raw tap cannot carry a message) and reports `tap.refused` on the control socket.
public final class AbsentAudioServer: Sendable {
    /// Which audio socket this is.
    public enum Role: String, Sendable {
        case stream
        case tap
    }

    /// What a client is told.
    public static let refusal = RemoteError(
        code: "no_stethoscope", message: "this room has no stethoscope to listen to",
        hint: "add a stethoscope device to the room configuration (docs/configuration.md) and restart vhrd")

    private let role: Role
    private let listener: LocalSocketListener
    private let queue: DispatchQueue
    private let events: EventHub?
    private let logger: Logger
    private let nextClient: QueueConfined<Int>

    /// - Parameters:
    ///   - inherited: the listening socket systemd passed; its file stays when the server stops.
    ///   - events: where the tap's `tap.refused` goes (class room).
    public init(role: Role, path: String, inherited: FileDescriptor, events: EventHub? = nil, logger: Logger) throws {
        self.role = role
        self.events = events
        self.logger = logger
        let queue = DispatchQueue(label: "vhr.\(role.rawValue).absent")
        self.queue = queue
        self.nextClient = QueueConfined(1, queue: queue)
        self.listener = try LocalSocketListener(
            path: path, mode: 0o660, name: role.rawValue, queue: queue, logger: logger, maxPendingOutput: 1 << 16,
            inherited: inherited)
    }

    public func start() {
        queue.async { [self] in
            listener.start { [self] connection in refuse(connection) }
        }
    }

    public func stop() {
        queue.sync { listener.cancel() }
        listener.removeSocketFile()
    }

    private func refuse(_ connection: SocketConnection) {
        let name = "\(role.rawValue)#\(nextClient.value)"
        nextClient.value += 1
        logger.notice(
            "\(role.rawValue) listener refused: no stethoscope in this room",
            ["client": name, "uid": String(connection.peer.uid)])
        // Nothing the client sends matters; reading it lets a client that sent a request line
        // see the ERROR frame rather than a reset.
        connection.start(onData: { _ in }, onClose: { _ in })
        switch role {
        case .stream:
            // No format: the room has none. The frame carries no audio, so the header's rate and
            // channels are zero, which the decoder accepts for every frame type but AUDIO.
            let header = StreamFrameHeader(
                type: .error, channels: 0, seq: 1, sampleRate: 0, captureNanoseconds: MonotonicClock.now())
            connection.send(StreamFrame(header: header, json: Self.refusal.jsonValue).encoded())
            connection.finish(reason: Self.refusal.code)
        case .tap:
            connection.close(reason: Self.refusal.code)
            events?.publish(
                ControlEvent(
                    name: "tap.refused",
                    fields: [
                        "client": .string(name), "uid": .int(Int64(connection.peer.uid)),
                        "code": .string(Self.refusal.code), "message": .string(Self.refusal.message),
                    ]), class: .room)
        }
    }
}
