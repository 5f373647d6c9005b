import Dispatch
import Foundation
import VHRCore
import VHRSystem

/// The audio stream socket: stethoscope samples from the ring to each listener, framed as in
/// docs/stream-protocol.md.
///
/// Each listener is a cursor into the shared ring; the streamer copies from the ring on its
/// own queue, so capture never waits for a listener. The capture sink wakes the streamer after
/// each block (`wakeup`, see `WakingSink`), so a frame leaves as soon as its last sample lands,
/// not at the next tick of a timer drifting against the capture clock. A listener that falls more than
/// `maxLatency` behind the live edge skips forward and is told how many samples it lost; one
/// that makes no progress for `stallTimeout` is disconnected. Neither affects the others.
public final class StreamServer: Sendable {
    public struct Settings: Sendable {
        /// Audio per frame (the HELLO's `frame_ms`).
        public var frameMilliseconds = 20
        /// How often the listeners are served without a wake-up: the housekeeping pass for
        /// keepalives, stalls and refusals, and the fallback pump for a ring written without
        /// `wakeup` (its frames then wait up to this long).
        public var pumpMilliseconds = 100
        /// Beyond this lag a listener skips to the live edge: late audio is worse than lost audio.
        /// A listener may ask for another value within `latencyRange`.
        public var maxLatencyMilliseconds = 300
        /// A listener that accepts nothing for this long is disconnected.
        public var stallTimeoutSeconds = 10.0
        /// Small on purpose: the kernel's default hides many seconds of lag (stethoscope-streaming.md §2.6).
        public var sendBufferBytes = 16384
        /// A listener sent nothing for this long (the stethoscope is stopped) gets a KEEPALIVE,
        /// so its reader can tell a quiet stream from a dead daemon.
        public var keepaliveSeconds = 1.0
        /// Frames one listener is sent per pump at most, so a listener catching up never holds
        /// up the others.
        public var maxFramesPerPump = 8

        /// The `max_latency_ms` a listener may ask for.
        public static let latencyRange = 40...5000
        /// The longest request line a listener may send.
        public static let maxRequestBytes = 1024

        public init() {}
    }

    private let queue = DispatchQueue(label: "vhr.stream", qos: .userInteractive)
    private let listener: LocalSocketListener
    public var path: String { listener.path }
    private let ring: SampleRing
    private let device: DeviceInfo
    private let gate: VisitGate
    private let policy: AccessPolicy
    private let events: EventHub?
    private let logger: Logger
    private let settings: Settings
    private let frameSamples: Int
    private let state: QueueConfined<State>
    /// Wakes this server after each capture block; armed while it has listeners.
    public let wakeup: CaptureWakeup
    /// One frame, header and payload, reused for every audio frame; samples are read from
    /// the ring straight into its payload.
    // nonisolated(unsafe): only touched on `queue`, inside `sendAudio`.
    private nonisolated(unsafe) let frame: UnsafeMutableRawBufferPointer
    /// The frames last read from the ring: listeners at the same cursor (the usual case) read the
    /// ring once between them, the rest copy from here (`SampleRing.ReadCache`).
    // nonisolated(unsafe): only touched on `queue`, inside `pump`.
    private nonisolated(unsafe) var reads: SampleRing.ReadCache

    private struct State {
        var listeners: [ObjectIdentifier: Listener] = [:]
        var streamID = UUID()
        var nextClient = 1
    }

    private struct Listener {
        var connection: SocketConnection
        var name: String
        var roles: Set<Role>
        var cursor: UInt64
        var seq: UInt32 = 1
        /// Samples skipped since the last frame this listener was sent.
        var dropped: UInt64 = 0
        /// Samples skipped since it connected, for the metrics (`dropped` resets with each frame).
        var droppedTotal: UInt64 = 0
        /// The lag, in samples, beyond which this listener skips forward.
        var maxLag: UInt64
        /// When the socket last took bytes (or had nothing waiting), and how many it had taken.
        var lastProgress: Int64
        var sentAtProgress: UInt64 = 0
        /// When this listener was last sent a frame.
        var lastFrame: Int64
        /// The client's optional request line, until its newline arrives.
        var request: [UInt8] = []
        var requestDone = false
    }

    /// - Parameters:
    ///   - events: where `stream.xrun` and `stream.disconnected` go (class room).
    ///   - inherited: a listening socket systemd passed (`SocketActivation`), served instead of
    ///     binding `path`; its file is left in place when the server stops.
    public init(
        path: String, mode: UInt32, ring: SampleRing, device: DeviceInfo, gate: VisitGate, policy: AccessPolicy,
        events: EventHub? = nil, logger: Logger, settings: Settings = Settings(), inherited: FileDescriptor? = nil
    ) throws {
        self.ring = ring
        self.device = device
        self.gate = gate
        self.policy = policy
        self.events = events
        self.logger = logger
        self.settings = settings
        self.listener = try LocalSocketListener(
            path: path, mode: mode, name: "stream", queue: queue, logger: logger,
            sendBufferBytes: settings.sendBufferBytes,
            maxPendingOutput: 1 << 20, inherited: inherited)
        self.frameSamples = max(1, ring.format.sampleRate * settings.frameMilliseconds / 1000)
        self.reads = SampleRing.ReadCache(ring: ring, capacity: frameSamples)
        self.frame = .allocate(
            byteCount: StreamFrameHeader.size + frameSamples * ring.format.bytesPerFrame, alignment: 8)
        self.state = QueueConfined(State(), queue: queue)
        self.wakeup = CaptureWakeup(queue: queue)
    }

    deinit {
        frame.deallocate()
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

    /// Ends the stream of the visit that just ended: every listener is told and closed, and
    /// the next one starts a new stream, so no audio of one patient reaches the next visit.
    public func endSession() {
        queue.async { [self] in
            for listener in state.value.listeners.values {
                sendControlFrame(
                    .error,
                    RemoteError(code: "visit_ended", message: "the visit ended; reconnect for the next one").jsonValue,
                    to: listener.connection, seq: listener.seq)
                listener.connection.finish(reason: "visit ended")
            }
            state.value.listeners.removeAll()
            wakeup.isArmed = false
            state.value.streamID = UUID()
        }
    }

    /// Each listener's lag behind the capture and its losses, for the metrics socket.
    public func readerMetrics() -> [AudioReaderMetrics] {
        queue.sync {
            let live = ring.writeIndex
            return state.value.listeners.values.map { listener in
                AudioReaderMetrics(
                    name: listener.name, lagSamples: live &- min(listener.cursor, live),
                    lostSamples: listener.droppedTotal)
            }
        }
    }

    /// How many listeners are connected (for status and tests).
    public var listenerCount: Int {
        queue.sync { state.value.listeners.count }
    }

    // MARK: - Admission

    private func admit(_ connection: SocketConnection) {
        let name = "stream#\(state.value.nextClient)"
        state.value.nextClient += 1
        let id = ObjectIdentifier(connection)
        connection.start(
            onData: { [weak self] bytes in self?.received(bytes, from: id) },
            onClose: { [weak self] reason in
                guard let self, self.state.value.listeners.removeValue(forKey: id) != nil else { return }
                self.logger.info("listener left", ["client": name, "reason": reason])
            })
        let roles = policy.roles(of: connection.peer)
        if let refusal = ListeningRule.refusal(for: roles, visitActive: gate.isVisitActive) {
            logger.notice(
                "listener refused", ["client": name, "uid": String(connection.peer.uid), "code": refusal.code])
            sendControlFrame(.error, refusal.jsonValue, to: connection, seq: 1)
            connection.finish(reason: refusal.code)
            return
        }
        let start = ring.writeIndex
        let hello = StreamHello(
            streamID: state.value.streamID, rate: ring.format.sampleRate, channels: ring.format.channels,
            frameMilliseconds: settings.frameMilliseconds, device: device.id, model: device.model,
            startIndex: start,
            clock: StreamHello.Clock(
                monotonicNs: MonotonicClock.now(), realtimeNs: Int64(Date().timeIntervalSince1970 * 1e9)))
        sendControlFrame(.hello, hello.jsonValue, to: connection, seq: 1)
        let now = MonotonicClock.now()
        state.value.listeners[id] = Listener(
            connection: connection, name: name, roles: roles, cursor: start, seq: 2,
            maxLag: lagSamples(milliseconds: settings.maxLatencyMilliseconds), lastProgress: now, lastFrame: now)
        wakeup.isArmed = true
        logger.info("listener joined", ["client": name, "uid": String(connection.peer.uid)])
    }

    private func lagSamples(milliseconds: Int) -> UInt64 {
        UInt64(ring.format.sampleRate * milliseconds / 1000)
    }

    // MARK: - The client's request

    /// Collects the client's optional first line, `{"max_latency_ms": N}`. Anything after it
    /// is read and ignored; a line that is not such a request ends the connection with an
    /// ERROR frame saying what is expected, so a mistake is noticed rather than ignored.
    private func received(_ bytes: ArraySlice<UInt8>, from id: ObjectIdentifier) {
        guard var listener = state.value.listeners[id], !listener.requestDone else { return }
        let newline = bytes.firstIndex(of: 0x0A)
        listener.request += bytes[..<(newline ?? bytes.endIndex)]
        if listener.request.count > Settings.maxRequestBytes {
            return reject(
                id,
                RemoteError(
                    code: "line_too_long", message: "the request line is over \(Settings.maxRequestBytes) bytes",
                    hint: "send at most one short JSON line, like {\"max_latency_ms\":300}"))
        }
        guard newline != nil else {
            state.value.listeners[id] = listener
            return
        }
        listener.requestDone = true
        let line = listener.request
        listener.request = []
        state.value.listeners[id] = listener
        switch Self.parseRequest(line) {
        case .success(let milliseconds?):
            state.value.listeners[id]?.maxLag = lagSamples(milliseconds: milliseconds)
            logger.debug("listener set its latency", ["client": listener.name, "max_latency_ms": String(milliseconds)])
        case .success(nil):
            break
        case .failure(let error):
            reject(id, error)
        }
    }

    /// The `max_latency_ms` a request line asks for (`nil`: an empty line or object).
    static func parseRequest(_ line: [UInt8]) -> Result<Int?, RemoteError> {
        let hint =
            "send {\"max_latency_ms\":N} with N from \(Settings.latencyRange.lowerBound) to "
            + "\(Settings.latencyRange.upperBound), or nothing"
        guard let text = String(validating: line, as: UTF8.self) else {
            return .failure(RemoteError(code: "bad_request", message: "the request line is not UTF-8", hint: hint))
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .success(nil) }
        guard let object = (try? JSONValue(parsing: trimmed))?.objectValue else {
            return .failure(
                RemoteError(code: "bad_request", message: "the request line is not a JSON object", hint: hint))
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "max_latency_ms" }) {
            return .failure(RemoteError(code: "bad_request", message: "unknown request field '\(unknown)'", hint: hint))
        }
        guard let value = object["max_latency_ms"] else { return .success(nil) }
        guard let milliseconds = value.intValue, Settings.latencyRange.contains(Int(milliseconds)) else {
            return .failure(
                RemoteError(
                    code: "bad_request", message: "max_latency_ms must be a whole number of milliseconds in range",
                    hint: hint))
        }
        return .success(Int(milliseconds))
    }

    /// Ends a listener's connection with an ERROR frame, and tells the control socket.
    private func reject(_ id: ObjectIdentifier, _ error: RemoteError) {
        guard let listener = state.value.listeners.removeValue(forKey: id) else { return }
        logger.notice("listener disconnected", ["client": listener.name, "code": error.code])
        sendControlFrame(.error, error.jsonValue, to: listener.connection, seq: listener.seq)
        // A client whose socket is full would keep the connection open forever waiting to drain.
        if listener.connection.pendingOutputBytes > 0 {
            listener.connection.close(reason: error.code)
        } else {
            listener.connection.finish(reason: error.code)
        }
        publishDisconnected(listener.name, reason: error.code)
    }

    private func publishDisconnected(_ name: String, reason: String) {
        events?.publish(
            ControlEvent(name: "stream.disconnected", fields: ["client": .string(name), "reason": .string(reason)]),
            class: .room)
    }

    private func sendControlFrame(
        _ type: StreamFrameType, _ payload: JSONValue, to connection: SocketConnection, seq: UInt32
    ) {
        let header = StreamFrameHeader(
            type: type, channels: UInt8(ring.format.channels), seq: seq, sampleRate: UInt32(ring.format.sampleRate),
            sampleIndex: ring.writeIndex, captureNanoseconds: MonotonicClock.now())
        connection.send(StreamFrame(header: header, json: payload).encoded())
    }

    // MARK: - Streaming

    /// One pass over the listeners; bounded work for each (at most `maxFramesPerPump` frames).
    private func pump() {
        // Disarmed a pass after the last listener left; a late wake meanwhile finds nobody.
        defer { wakeup.isArmed = !state.value.listeners.isEmpty }
        let now = MonotonicClock.now()
        let live = ring.writeIndex
        let visitActive = gate.isVisitActive
        for id in Array(state.value.listeners.keys) {
            guard var listener = state.value.listeners[id] else { continue }
            // A technician listening between visits must stop when one starts.
            if let refusal = ListeningRule.refusal(for: listener.roles, visitActive: visitActive) {
                reject(id, refusal)
                continue
            }
            defer { if !listener.connection.isClosed { state.value.listeners[id] = listener } }
            let connection = listener.connection
            if connection.pendingOutputBytes == 0 || connection.bytesSent != listener.sentAtProgress {
                listener.lastProgress = now
                listener.sentAtProgress = connection.bytesSent
            }
            if connection.pendingOutputBytes > 0 {
                // The socket is full: wait for the client, but not forever.
                if Double(now - listener.lastProgress) / 1e9 > settings.stallTimeoutSeconds {
                    logger.warning("listener stalled, disconnecting", ["client": listener.name])
                    connection.close(reason: "stalled")
                    publishDisconnected(listener.name, reason: "stalled")
                }
                continue
            }
            if live > listener.cursor + listener.maxLag {
                // Too far behind: jump to one frame before the live edge and report the gap.
                let target = live - UInt64(frameSamples)
                let skipped = target - listener.cursor
                listener.dropped += skipped
                listener.droppedTotal += skipped
                listener.cursor = target
                logger.info("listener skipped forward", ["client": listener.name, "dropped": String(skipped)])
                events?.publish(
                    ControlEvent(
                        name: "stream.xrun",
                        fields: [
                            "client": .string(listener.name), "dropped": .int(Int64(skipped)),
                            "sample_index": .int(Int64(target)),
                        ]), class: .room)
            }
            var frames = 0
            // Whole frames only, each sent in the wake after its last sample lands. Sending each
            // 10 ms block as its own frame would take 10 ms off the first sample's delay but double
            // the sends; measured with 8 clients at 48 kHz that costs about 0.4 % of a core more
            // (docs/stream-protocol.md, Frames).
            while frames < settings.maxFramesPerPump, live >= listener.cursor + UInt64(frameSamples),
                connection.pendingOutputBytes == 0, !connection.isClosed
            {
                sendAudio(to: &listener)
                listener.lastFrame = now
                frames += 1
            }
            if frames == 0, Double(now - listener.lastFrame) / 1e9 >= settings.keepaliveSeconds {
                let header = StreamFrameHeader(
                    type: .keepalive, channels: UInt8(ring.format.channels), seq: listener.seq,
                    sampleRate: UInt32(ring.format.sampleRate), sampleIndex: listener.cursor,
                    captureNanoseconds: ring.captureTime(ofIndex: listener.cursor))
                connection.send(header.encoded())
                listener.seq &+= 1
                listener.lastFrame = now
            }
        }
    }

    private func sendAudio(to listener: inout Listener) {
        let channels = ring.format.channels
        // The header is 48 bytes, so the payload is aligned for Int16; S16LE on the wire
        // because this host is little-endian (x86_64, aarch64).
        let payload = UnsafeMutableRawBufferPointer(rebasing: frame[StreamFrameHeader.size...])
            .bindMemory(to: Int16.self)
        let result = reads.read(from: listener.cursor, into: payload)
        listener.dropped += result.lost
        listener.droppedTotal += result.lost
        guard result.count > 0 else {
            listener.cursor = result.firstIndex
            return
        }
        let payloadBytes = result.count * channels * 2
        var flags: StreamFrameFlags = []
        if listener.dropped > 0 { flags.insert(.discontinuity) }
        for sample in payload.prefix(result.count * channels) where sample >= .max || sample <= -.max {
            flags.insert(.clipped)
            break
        }
        let header = StreamFrameHeader(
            type: .audio, flags: flags, channels: UInt8(channels), seq: listener.seq,
            payloadLength: UInt32(payloadBytes), sampleRate: UInt32(ring.format.sampleRate),
            sampleIndex: result.firstIndex, captureNanoseconds: ring.captureTime(ofIndex: result.firstIndex),
            dropped: UInt32(clamping: listener.dropped))
        header.encode(into: frame)
        listener.connection.send(UnsafeRawBufferPointer(rebasing: frame[0..<(StreamFrameHeader.size + payloadBytes)]))
        listener.seq &+= 1
        listener.dropped = 0
        listener.cursor = result.firstIndex + UInt64(result.count)
    }
}
