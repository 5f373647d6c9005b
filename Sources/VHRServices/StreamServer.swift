import Dispatch
import Foundation
import VHRCore
import VHRSystem

/// The audio stream socket: stethoscope samples from the ring to each listener, framed as in
/// docs/stream-protocol.md.
///
/// Each listener is a cursor into the shared ring; the streamer copies from the ring on its
/// own queue, so capture never waits for a listener. A listener that falls more than
/// `maxLatency` behind the live edge skips forward and is told how many samples it lost; one
/// that makes no progress for `stallTimeout` is disconnected. Neither affects the others.
public final class StreamServer: Sendable {
    public struct Settings: Sendable {
        /// Audio per frame.
        public var frameMilliseconds = 20
        /// Beyond this lag a listener skips to the live edge: late audio is worse than lost audio.
        public var maxLatencyMilliseconds = 1000
        /// A listener that accepts nothing for this long is disconnected.
        public var stallTimeoutSeconds = 10.0
        /// Small on purpose: the kernel's default hides many seconds of lag (stethoscope-streaming.md §2.6).
        public var sendBufferBytes = 16384

        public init() {}
    }

    private let queue = DispatchQueue(label: "vhr.stream", qos: .userInteractive)
    private let listener: FileDescriptor
    public let path: String
    private let ring: SampleRing
    private let device: DeviceInfo
    private let gate: VisitGate
    private let policy: AccessPolicy
    private let logger: Logger
    private let settings: Settings
    private let frameSamples: Int
    private let state: QueueConfined<State>
    /// One frame, header and payload, reused for every audio frame; samples are read from
    /// the ring straight into its payload.
    // nonisolated(unsafe): only touched on `queue`, inside `sendAudio`.
    private nonisolated(unsafe) let frame: UnsafeMutableRawBufferPointer

    private struct State {
        var acceptSource: (any DispatchSourceRead)?
        var timer: (any DispatchSourceTimer)?
        var listeners: [ObjectIdentifier: Listener] = [:]
        var streamID = UUID()
        var nextClient = 1
    }

    private struct Listener {
        var connection: SocketConnection
        var name: String
        var cursor: UInt64
        var seq: UInt32 = 1
        /// Samples skipped since the last frame this listener was sent.
        var dropped: UInt64 = 0
        var lastProgress: Int64
    }

    public init(
        path: String, mode: UInt32, ring: SampleRing, device: DeviceInfo, gate: VisitGate, policy: AccessPolicy,
        logger: Logger, settings: Settings = Settings()
    ) throws {
        self.path = path
        self.listener = try UnixSocket.listen(path: path, mode: mode, backlog: 16)
        self.ring = ring
        self.device = device
        self.gate = gate
        self.policy = policy
        self.logger = logger
        self.settings = settings
        self.frameSamples = max(1, ring.format.sampleRate * settings.frameMilliseconds / 1000)
        self.frame = .allocate(
            byteCount: StreamFrameHeader.size + frameSamples * ring.format.bytesPerFrame, alignment: 8)
        self.state = QueueConfined(State(), queue: queue)
    }

    deinit {
        frame.deallocate()
    }

    public func start() {
        queue.async { [self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: listener.rawValue, queue: queue)
            source.setEventHandler { [self] in acceptAll() }
            source.setCancelHandler { [listener] in listener.closeIgnoringErrors() }
            state.value.acceptSource = source
            source.resume()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let period = DispatchTimeInterval.milliseconds(max(1, settings.frameMilliseconds / 2))
            timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(2))
            timer.setEventHandler { [self] in pump() }
            state.value.timer = timer
            timer.resume()
        }
    }

    public func stop() {
        queue.sync {
            state.value.acceptSource?.cancel()
            state.value.acceptSource = nil
            state.value.timer?.cancel()
            state.value.timer = nil
            for listener in state.value.listeners.values { listener.connection.close(reason: "vhrd is stopping") }
            state.value.listeners.removeAll()
        }
        try? Directories.removeFile(path: path)
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
            state.value.streamID = UUID()
        }
    }

    /// How many listeners are connected (for status and tests).
    public var listenerCount: Int {
        queue.sync { state.value.listeners.count }
    }

    // MARK: - Admission

    private func acceptAll() {
        while true {
            let fd: FileDescriptor
            do {
                guard let accepted = try UnixSocket.accept(listener) else { return }
                fd = accepted
            } catch {
                logger.error("stream socket accept failed", ["error": "\(error)"])
                return
            }
            guard let peer = try? UnixSocket.peerCredentials(of: fd) else {
                fd.closeIgnoringErrors()
                continue
            }
            try? UnixSocket.setSendBufferSize(fd, bytes: settings.sendBufferBytes)
            admit(SocketConnection(fd: fd, peer: peer, queue: queue, maxPendingOutput: 1 << 20))
        }
    }

    private func admit(_ connection: SocketConnection) {
        let name = "stream#\(state.value.nextClient)"
        state.value.nextClient += 1
        let id = ObjectIdentifier(connection)
        connection.start(
            onData: { _ in },  // listeners have nothing to say yet; reading notices when they leave
            onClose: { [weak self] reason in
                guard let self, self.state.value.listeners.removeValue(forKey: id) != nil else { return }
                self.logger.info("listener left", ["client": name, "reason": reason])
            })
        if let refusal = refusal(for: policy.roles(of: connection.peer)) {
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
        state.value.listeners[id] = Listener(
            connection: connection, name: name, cursor: start, seq: 2, lastProgress: MonotonicClock.now())
        logger.info("listener joined", ["client": name, "uid": String(connection.peer.uid)])
    }

    /// Listening is for the clinician; a technician may listen between visits, to check the
    /// stethoscope, but never to a patient.
    private func refusal(for roles: Set<Role>) -> RemoteError? {
        if roles.isEmpty {
            return RemoteError(code: "no_role", message: "this user has no role in this room", hint: nil)
        }
        if roles.contains(.clinician) { return nil }
        if roles.contains(.technician) {
            return gate.isVisitActive
                ? RemoteError(
                    code: "forbidden", message: "a visit is in progress: listening is for the clinician", hint: nil)
                : nil
        }
        return RemoteError(code: "forbidden", message: "listening needs the clinician or technician role", hint: nil)
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

    private func pump() {
        let now = MonotonicClock.now()
        let live = ring.writeIndex
        let maxLag = UInt64(ring.format.sampleRate * settings.maxLatencyMilliseconds / 1000)
        for id in Array(state.value.listeners.keys) {
            guard var listener = state.value.listeners[id] else { continue }
            defer { if !listener.connection.isClosed { state.value.listeners[id] = listener } }
            if listener.connection.pendingOutputBytes > 0 {
                if Double(now - listener.lastProgress) / 1e9 > settings.stallTimeoutSeconds {
                    logger.warning("listener stalled, disconnecting", ["client": listener.name])
                    listener.connection.close(reason: "stalled")
                }
                continue
            }
            listener.lastProgress = now
            if live > listener.cursor + maxLag {
                // Too far behind: jump to one frame before the live edge and report the gap.
                let target = live - UInt64(frameSamples)
                listener.dropped += target - listener.cursor
                listener.cursor = target
            }
            while live >= listener.cursor + UInt64(frameSamples), listener.connection.pendingOutputBytes == 0,
                !listener.connection.isClosed
            {
                sendAudio(to: &listener)
            }
        }
    }

    private func sendAudio(to listener: inout Listener) {
        let channels = ring.format.channels
        // The header is 48 bytes, so the payload is aligned for Int16; S16LE on the wire
        // because this host is little-endian (x86_64, aarch64).
        let payload = UnsafeMutableRawBufferPointer(rebasing: frame[StreamFrameHeader.size...])
            .bindMemory(to: Int16.self)
        let result = ring.read(from: listener.cursor, into: payload)
        listener.dropped += result.lost
        guard result.count > 0 else {
            listener.cursor = result.firstIndex
            return
        }
        let payloadBytes = result.count * channels * 2
        var flags: StreamFrameFlags = []
        if listener.dropped > 0 { flags.insert(.discontinuity) }
        for sample in payload.prefix(result.count * channels) where sample == .max || sample == .min {
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
