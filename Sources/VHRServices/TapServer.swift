import Dispatch
import Foundation
import VHRCore
import VHRSystem

/// The plain tap: stethoscope audio as bare S16LE at the stream rate, optionally preceded by a
/// streaming WAV header, for standard tools (`socat -u UNIX-CONNECT:tap.sock - | aplay`).
///
/// It follows the stream socket's rules (docs/stream-protocol.md, *The tap*) without framing:
/// the same roles may listen, each listener is a cursor into the ring pumped on this server's
/// own queue as soon as the capture sink wakes it (`wakeup`), a listener more than `maxLatency` behind skips forward, and one that takes
/// nothing for `stallTimeout` is disconnected. A raw stream cannot carry an error or a loss
/// report, so refusals, skips and disconnections are logged and published as control events
/// (`tap.refused`, `tap.xrun`, `tap.disconnected`, class room) instead.
public final class TapServer: Sendable {
    /// What a listener receives before the samples.
    public enum Encoding: String, Sendable, CaseIterable {
        /// A 44-byte WAV header with "unknown length" sizes, then the samples: `aplay`, `sox -t wav`
        /// and `ffplay` need no format options.
        case wav
        /// The samples alone: the reader must be told the rate (`aplay -f S16_LE -r 4000 -c 1`).
        case raw
    }

    public struct Settings: Sendable {
        public var encoding = Encoding.wav
        /// Beyond this lag a listener skips to the live edge.
        public var maxLatencyMilliseconds = 1000
        /// A listener that takes nothing for this long is disconnected.
        public var stallTimeoutSeconds = 10.0
        /// Small on purpose, as on the stream socket (stethoscope-streaming.md §2.6).
        public var sendBufferBytes = 16384
        /// How often the listeners are served without a wake-up: the housekeeping pass for
        /// stalls and refusals, and the fallback pump for a ring written without `wakeup`.
        public var pumpMilliseconds = 100
        /// Audio one listener is sent per pump at most.
        public var maxMillisecondsPerPump = 200

        public init() {}
    }

    private let queue = DispatchQueue(label: "vhr.tap", qos: .userInteractive)
    private let listener: LocalSocketListener
    public var path: String { listener.path }
    private let ring: SampleRing
    private let gate: VisitGate
    private let policy: AccessPolicy
    private let events: EventHub?
    private let logger: Logger
    private let settings: Settings
    private let state: QueueConfined<State>
    /// Wakes this server after each capture block; armed while it has listeners.
    public let wakeup: CaptureWakeup
    /// Samples are read from the ring straight into this buffer and sent from it.
    // nonisolated(unsafe): only touched on `queue`, inside `pump`.
    private nonisolated(unsafe) let buffer: UnsafeMutableBufferPointer<Int16>
    /// The frames last read from the ring, shared by listeners at the same cursor (`SampleRing.ReadCache`).
    // nonisolated(unsafe): only touched on `queue`, inside `pump`.
    private nonisolated(unsafe) var reads: SampleRing.ReadCache

    private struct State {
        var listeners: [ObjectIdentifier: Listener] = [:]
        var nextClient = 1
    }

    private struct Listener {
        var connection: SocketConnection
        var name: String
        var roles: Set<Role>
        var cursor: UInt64
        var lastProgress: Int64
        var sentAtProgress: UInt64 = 0
        /// Samples this listener lost (skipped to live or lapped), for the metrics.
        var dropped: UInt64 = 0
    }

    /// - Parameters:
    ///   - events: where `tap.refused`, `tap.xrun` and `tap.disconnected` go (class room).
    ///   - inherited: a listening socket systemd passed (`SocketActivation`), served instead of
    ///     binding `path`; its file is left in place when the server stops.
    public init(
        path: String, mode: UInt32, ring: SampleRing, gate: VisitGate, policy: AccessPolicy, events: EventHub? = nil,
        logger: Logger, settings: Settings = Settings(), inherited: FileDescriptor? = nil
    ) throws {
        self.ring = ring
        self.gate = gate
        self.policy = policy
        self.events = events
        self.logger = logger
        self.settings = settings
        self.listener = try LocalSocketListener(
            path: path, mode: mode, name: "tap", queue: queue, logger: logger,
            sendBufferBytes: settings.sendBufferBytes,
            maxPendingOutput: 1 << 20, inherited: inherited)
        let frames = max(1, ring.format.sampleRate * settings.maxMillisecondsPerPump / 1000)
        self.buffer = .allocate(capacity: frames * ring.format.channels)
        self.reads = SampleRing.ReadCache(ring: ring, capacity: frames)
        self.state = QueueConfined(State(), queue: queue)
        self.wakeup = CaptureWakeup(queue: queue)
    }

    deinit {
        buffer.deallocate()
    }

    public func start() {
        queue.async { [self] in
            listener.start { [self] connection in admit(connection) }
            wakeup.startPump(everyMilliseconds: settings.pumpMilliseconds) { [weak self] in self?.pump() }
        }
    }

    public func stop() {
        queue.sync {
            listener.cancel()
            wakeup.cancel()
            for listener in state.value.listeners.values { listener.connection.close(reason: "vhrd is stopping") }
            state.value.listeners.removeAll()
        }
        listener.removeSocketFile()
    }

    /// Closes every listener when a visit ends, so no audio of one patient reaches the next.
    public func endSession() {
        queue.async { [self] in
            for listener in state.value.listeners.values { listener.connection.close(reason: "visit ended") }
            state.value.listeners.removeAll()
            wakeup.isArmed = false
        }
    }

    /// Each listener's lag behind the capture and its losses, for the metrics socket.
    public func readerMetrics() -> [AudioReaderMetrics] {
        queue.sync {
            let live = ring.writeIndex
            return state.value.listeners.values.map { listener in
                AudioReaderMetrics(
                    name: listener.name, lagSamples: live &- min(listener.cursor, live), lostSamples: listener.dropped)
            }
        }
    }

    /// How many listeners are connected (for status and tests).
    public var listenerCount: Int {
        queue.sync { state.value.listeners.count }
    }

    // MARK: - Admission

    private func admit(_ connection: SocketConnection) {
        let name = "tap#\(state.value.nextClient)"
        state.value.nextClient += 1
        let id = ObjectIdentifier(connection)
        connection.start(
            onData: { _ in },  // nothing a tap client says matters; reading notices when it leaves
            onClose: { [weak self] reason in
                guard let self, self.state.value.listeners.removeValue(forKey: id) != nil else { return }
                self.logger.info("tap listener left", ["client": name, "reason": reason])
            })
        let roles = policy.roles(of: connection.peer)
        if let refusal = ListeningRule.refusal(for: roles, visitActive: gate.isVisitActive) {
            // A raw stream has no way to say why: the log and the control socket do.
            logger.notice(
                "tap listener refused",
                ["client": name, "uid": String(connection.peer.uid), "code": refusal.code, "reason": refusal.message])
            events?.publish(
                ControlEvent(
                    name: "tap.refused",
                    fields: [
                        "client": .string(name), "uid": .int(Int64(connection.peer.uid)), "code": .string(refusal.code),
                        "message": .string(refusal.message),
                    ]), class: .room)
            connection.close(reason: refusal.code)
            return
        }
        if settings.encoding == .wav {
            connection.send(WAVFile.header(format: ring.format, sampleCount: nil))
        }
        let now = MonotonicClock.now()
        state.value.listeners[id] = Listener(
            connection: connection, name: name, roles: roles, cursor: ring.writeIndex, lastProgress: now)
        wakeup.isArmed = true
        logger.info(
            "tap listener joined",
            ["client": name, "uid": String(connection.peer.uid), "encoding": settings.encoding.rawValue])
    }

    // MARK: - Streaming

    /// One pass over the listeners; bounded work for each (at most `maxMillisecondsPerPump` of audio).
    private func pump() {
        // Disarmed a pass after the last listener left; a late wake meanwhile finds nobody.
        defer { wakeup.isArmed = !state.value.listeners.isEmpty }
        let now = MonotonicClock.now()
        let live = ring.writeIndex
        let visitActive = gate.isVisitActive
        let maxLag = UInt64(ring.format.sampleRate * settings.maxLatencyMilliseconds / 1000)
        let skipTo = UInt64(max(1, ring.format.sampleRate / 50))  // one 20 ms frame before live
        for id in Array(state.value.listeners.keys) {
            guard var listener = state.value.listeners[id] else { continue }
            let connection = listener.connection
            if let refusal = ListeningRule.refusal(for: listener.roles, visitActive: visitActive) {
                disconnect(id, listener.name, reason: refusal.code)
                continue
            }
            defer { if !connection.isClosed { state.value.listeners[id] = listener } }
            if connection.pendingOutputBytes == 0 || connection.bytesSent != listener.sentAtProgress {
                listener.lastProgress = now
                listener.sentAtProgress = connection.bytesSent
            }
            if connection.pendingOutputBytes > 0 {
                if Double(now - listener.lastProgress) / 1e9 > settings.stallTimeoutSeconds {
                    logger.warning("tap listener stalled, disconnecting", ["client": listener.name])
                    disconnect(id, listener.name, reason: "stalled")
                }
                continue
            }
            if live > listener.cursor + maxLag {
                let target = live - min(skipTo, live)
                reportXrun(listener.name, dropped: target - listener.cursor, at: target)
                listener.dropped += target - listener.cursor
                listener.cursor = target
            }
            guard live > listener.cursor else { continue }
            let result = reads.read(from: listener.cursor, into: buffer)
            if result.lost > 0 { reportXrun(listener.name, dropped: result.lost, at: result.firstIndex) }
            listener.dropped += result.lost
            listener.cursor = result.firstIndex + UInt64(result.count)
            guard result.count > 0 else { continue }
            // S16LE on the wire because this host is little-endian (x86_64, aarch64).
            connection.send(
                UnsafeRawBufferPointer(
                    UnsafeBufferPointer(rebasing: buffer[0..<(result.count * ring.format.channels)])))
        }
    }

    private func reportXrun(_ name: String, dropped: UInt64, at index: UInt64) {
        logger.info("tap listener skipped forward", ["client": name, "dropped": String(dropped)])
        events?.publish(
            ControlEvent(
                name: "tap.xrun",
                fields: ["client": .string(name), "dropped": .int(Int64(dropped)), "sample_index": .int(Int64(index))]),
            class: .room)
    }

    private func disconnect(_ id: ObjectIdentifier, _ name: String, reason: String) {
        guard let listener = state.value.listeners.removeValue(forKey: id) else { return }
        listener.connection.close(reason: reason)
        logger.notice("tap listener disconnected", ["client": name, "reason": reason])
        events?.publish(
            ControlEvent(name: "tap.disconnected", fields: ["client": .string(name), "reason": .string(reason)]),
            class: .room)
    }
}
