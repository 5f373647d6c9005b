import Foundation
import Synchronization
import Testing
import VHRCore
import VHRSystem

@testable import VHRServices

/// A ring fed in real time with a ramp (sample i is `Int16(truncatingIfNeeded: i)`, so any
/// lost, repeated or reordered sample shows) by its own thread, and the room pieces the audio
/// servers need, in a temporary directory. Control events published on `events` are collected.
final class AudioRig: @unchecked Sendable {
    // @unchecked: the mutable fields are atomics, mutexes, or set in init and only read after.
    let directory: String
    let ring: SampleRing
    let events = EventHub()
    let gate = VisitGate()
    let logs = InMemoryLogHandler()
    let policy: AccessPolicy
    /// Each event with the ring's write index when it was published.
    private let collected = Mutex<[(event: ControlEvent, writeIndex: UInt64)]>([])
    private let running = Atomic<Bool>(false)
    private let thread = Mutex<DedicatedThread?>(nil)
    /// The servers' wake-ups: the ramp wakes them after each block, as the daemon's `WakingSink` does.
    private let wakeups = Mutex<[CaptureWakeup]>([])

    static let device = DeviceInfo(
        id: "stethoscope", kind: .stethoscope, profile: "simulated-stethoscope", model: "Ramp", transport: "simulated",
        simulated: true)

    /// - Parameter access: the `[access]` rules; by default every role for this process's user.
    init(rate: Int = 4000, access: [AccessRule]? = nil) throws {
        directory = NSTemporaryDirectory() + "vhr-audio-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ring = SampleRing(format: AudioFormat(sampleRate: rate), seconds: 32)
        policy = try AccessPolicy(
            rules: access ?? Role.allCases.map { AccessRule(role: $0, principal: .daemonUser) }, daemonUID: getuid(),
            configFile: "test")
        _ = events.subscribe(
            EventHub.Subscription(classes: Set(EventHub.EventClass.allCases)) { [weak self] line in
                guard let self, case .event(let event)? = try? ControlMessage.decode(line: line) else { return }
                let writeIndex = self.ring.writeIndex
                self.collected.withLock { $0.append((event, writeIndex)) }
            })
    }

    var logger: Logger { Logger(label: "test", minimumLevel: .debug, handler: logs) }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Has the ramp wake `wakeup` after each block it writes.
    func attach(_ wakeup: CaptureWakeup) {
        wakeups.withLock { $0.append(wakeup) }
    }

    /// Writes `count` more ramp samples in one block and wakes the attached servers.
    func writeRamp(_ count: Int) {
        let first = ring.writeIndex
        let samples = (0..<UInt64(count)).map { Int16(truncatingIfNeeded: first + $0) }
        samples.withUnsafeBufferPointer { ring.write($0, captureTime: MonotonicClock.now()) }
        for wakeup in wakeups.withLock({ $0 }) { wakeup.wake() }
    }

    /// Starts writing 10 ms blocks of the ramp, paced by the monotonic clock.
    func startRamp() throws {
        running.store(true, ordering: .relaxed)
        let ring = self.ring
        let made = try DedicatedThread(name: "test-ramp") { [self] in
            let block = ring.format.sampleRate / 100
            var samples = [Int16](repeating: 0, count: block)
            var index = ring.writeIndex
            var deadline = MonotonicClock.now()
            while self.running.load(ordering: .relaxed) {
                deadline += 10_000_000
                MonotonicClock.sleep(until: deadline)
                for offset in 0..<block { samples[offset] = Int16(truncatingIfNeeded: index + UInt64(offset)) }
                samples.withUnsafeBufferPointer { ring.write($0, captureTime: deadline) }
                for wakeup in self.wakeups.withLock({ $0 }) { wakeup.wake() }
                index += UInt64(block)
            }
        }
        thread.withLock { $0 = made }
    }

    func stopRamp() {
        running.store(false, ordering: .relaxed)
        thread.withLock { $0.take() }?.join()
    }

    func finish() {
        stopRamp()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var controlEvents: [ControlEvent] { collected.withLock { $0.map(\.event) } }

    /// The ring's write index when `event` was published (the publisher's queue delivers it).
    func writeIndex(whenPublished event: ControlEvent) -> UInt64? {
        collected.withLock { $0.first { $0.event == event }?.writeIndex }
    }

    /// Waits (without blocking a thread) for an event named `name` that matches `condition`.
    func event(
        _ name: String, timeout: Double = 30, where condition: (ControlEvent) -> Bool = { _ in true }
    ) async throws -> ControlEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = controlEvents.first(where: { $0.name == name && condition($0) }) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Whether `samples`, starting at ring index `first`, are the ramp.
    static func isRamp(_ samples: [Int16], from first: UInt64) -> Bool {
        samples.enumerated().allSatisfy { $0.element == Int16(truncatingIfNeeded: first + UInt64($0.offset)) }
    }
}

@Suite struct StreamServerTests {
    /// Reads audio frames until `samples` have arrived, checking they are contiguous.
    static func readContiguous(_ client: RawClient, samples: Int) async throws -> (first: UInt64, count: Int) {
        var first: UInt64?
        var next: UInt64 = 0
        var count = 0
        while count < samples {
            let frame = try #require(try await client.frame(), "stream ended after \(count) samples")
            guard frame.header.type == .audio else { continue }
            if let _ = first {
                #expect(frame.header.sampleIndex == next, "gap or duplicate")
                #expect(frame.header.dropped == 0)
            } else {
                first = frame.header.sampleIndex
            }
            next = frame.header.sampleIndex + UInt64(frame.payload.count / 2)
            count += frame.payload.count / 2
        }
        return (first ?? 0, count)
    }

    /// What the daemon-harness tests ask for: they check contiguity, not the latency cap, and
    /// a busy test machine can hold a reader up for a second.
    static let patient = "{\"max_latency_ms\":5000}\n"

    @Test func helloThenContiguousAudio() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.streamPath)
        try client.send(Self.patient)
        let hello = try #require(try await client.frame())
        #expect(hello.header.type == .hello)
        let greeting = try hello.hello()
        #expect(greeting.rate == 2000 && greeting.channels == 1 && greeting.format == "S16LE")
        let (first, count) = try await Self.readContiguous(client, samples: 1000)
        #expect(first >= greeting.startIndex)
        #expect(count >= 1000)
        try await harness.stop()
    }

    @Test func aListenerLeavingMidStreamDoesNotDisturbTheOthers() async throws {
        let harness = try await DaemonHarness()
        let leaving = try RawClient(path: harness.streamPath)
        let staying = try RawClient(path: harness.streamPath)
        try leaving.send(Self.patient)
        try staying.send(Self.patient)
        _ = try await leaving.frame()
        _ = try await staying.frame()
        _ = try await Self.readContiguous(leaving, samples: 200)
        // Leave in the middle of a frame's worth of unread data.
        leaving.close()
        let (_, count) = try await Self.readContiguous(staying, samples: 2000)
        #expect(count >= 2000)
        try await harness.stop()
    }

    @Test func aStalledListenerDoesNotDisturbAHealthyOne() async throws {
        let harness = try await DaemonHarness()
        let stalled = try RawClient(path: harness.streamPath)
        _ = stalled  // connected, never read
        let healthy = try RawClient(path: harness.streamPath)
        try healthy.send(Self.patient)
        _ = try await healthy.frame()
        let (_, count) = try await Self.readContiguous(healthy, samples: 3000)
        #expect(count >= 3000)
        try await harness.stop()
    }

    @Test func endingTheVisitClosesListeners() async throws {
        let harness = try await DaemonHarness()
        let control = try RawClient(path: harness.controlPath)
        _ = try await control.json()
        try control.send("{\"id\":1,\"method\":\"visit.start\",\"params\":{\"visit\":\"s1\",\"patient\":\"p\"}}\n")
        #expect(try await control.json()?["ok"] == true)
        let listener = try RawClient(path: harness.streamPath)
        let hello = try #require(try await listener.frame())
        let firstStream = try hello.hello().streamID
        _ = try await Self.readContiguous(listener, samples: 100)
        try control.send("{\"id\":2,\"method\":\"visit.end\"}\n")
        #expect(try await control.json()?["ok"] == true)
        var last: StreamFrame?
        while let frame = try await listener.frame(), frame.header.type != .error { last = frame }
        _ = last
        #expect(try await listener.waitForClose())
        // The next listener is on a new stream.
        let next = try RawClient(path: harness.streamPath)
        let nextHello = try #require(try await next.frame())
        #expect(try nextHello.hello().streamID != firstStream)
        try await harness.stop()
    }

    @Test func aTechnicianCannotListenDuringAVisit() async throws {
        let harness = try await DaemonHarness(
            config: """
                [access]
                kiosk = daemon-user
                technician = daemon-user
                clinician = uid:3999999
                [device cuff]
                profile = simulated-bp-cuff
                [device stethoscope]
                profile = simulated-stethoscope
                """)
        // Between visits the technician may check the stethoscope.
        let before = try RawClient(path: harness.streamPath)
        #expect(try await before.frame()?.header.type == .hello)
        let control = try RawClient(path: harness.controlPath)
        _ = try await control.json()
        try control.send("{\"id\":1,\"method\":\"visit.start\",\"params\":{\"visit\":\"t1\",\"patient\":\"p\"}}\n")
        #expect(try await control.json()?["ok"] == true)
        let during = try RawClient(path: harness.streamPath)
        let refusal = try #require(try await during.frame())
        #expect(refusal.header.type == .error)
        #expect(String(decoding: refusal.payload, as: UTF8.self).contains("forbidden"))
        try await harness.stop()
    }

    // MARK: - The slow-client policy, on a server of its own

    /// Generous: the whole suite runs hundreds of tests at once on a small machine.
    static let timeout = 30.0

    static func server(_ rig: AudioRig, _ configure: (inout StreamServer.Settings) -> Void = { _ in }) throws
        -> StreamServer
    {
        var settings = StreamServer.Settings()
        // Listeners that do not ask keep up to a minute of lag: these tests check contiguity, and
        // a busy machine running the whole suite can hold a reader up for seconds. The tests of
        // the cap ask for a tight one.
        settings.maxLatencyMilliseconds = 60_000
        configure(&settings)
        let server = try StreamServer(
            path: rig.path("stream.sock"), mode: 0o600, ring: rig.ring, device: AudioRig.device, gate: rig.gate,
            policy: rig.policy, events: rig.events, logger: rig.logger, settings: settings)
        rig.attach(server.wakeup)
        server.start()
        return server
    }

    /// Connects, sends `request` if any, and reads the HELLO.
    static func listener(_ rig: AudioRig, request: String? = nil) async throws -> RawClient {
        let client = try RawClient(path: rig.path("stream.sock"))
        if let request { try client.send(request) }
        let hello = try #require(try await client.frame(timeout: Self.timeout))
        #expect(hello.header.type == .hello)
        return client
    }

    /// Reads `samples` of audio, checking they are the ramp, contiguous, and that nothing was dropped.
    static func readRamp(_ client: RawClient, samples: Int) async throws -> (next: UInt64, count: Int) {
        var next: UInt64?
        var count = 0
        while count < samples {
            let frame = try #require(
                try await client.frame(timeout: Self.timeout), "stream ended after \(count) samples")
            guard frame.header.type == .audio else { continue }
            if let next { #expect(frame.header.sampleIndex == next, "gap or duplicate") }
            #expect(frame.header.dropped == 0 && !frame.header.flags.contains(.discontinuity))
            #expect(AudioRig.isRamp(frame.samples, from: frame.header.sampleIndex))
            next = frame.header.sampleIndex + UInt64(frame.samples.count)
            count += frame.samples.count
        }
        return (next ?? 0, count)
    }

    @Test func aStalledListenerIsDisconnectedWhileHealthyOnesLoseNothing() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        // The stall timeout leaves room for a loaded machine holding this test up for a second
        // or several (stress tests elsewhere in the suite spin both cores): only the client that
        // never reads may be taken for stalled.
        let server = try Self.server(rig) { $0.stallTimeoutSeconds = 8 }
        let healthy = [try await Self.listener(rig), try await Self.listener(rig)]
        let stalled = try RawClient(path: rig.path("stream.sock"))  // connected, never reads
        // The healthy ones are read in small turns, so neither waits long behind the other, and
        // they keep being read until the stalled one is gone: a healthy listener left unread
        // while the test waits would itself look stalled.
        let deadline = Date().addingTimeInterval(Self.timeout)
        var gone = false
        while !gone, Date() < deadline {
            for client in healthy { _ = try await Self.readRamp(client, samples: 500) }
            gone = rig.controlEvents.contains { $0.name == "stream.disconnected" && $0["reason"] == "stalled" }
        }
        #expect(gone)
        #expect(try await stalled.waitForClose(timeout: Self.timeout))
        #expect(server.listenerCount == 2)
        // The healthy ones carry on, still contiguous.
        for client in healthy { _ = try await Self.readRamp(client, samples: 400) }
        #expect(rig.controlEvents.filter { $0.name == "stream.xrun" }.isEmpty)
        server.stop()
        rig.finish()
    }

    @Test func aBurstyReaderSkipsForwardWithExactLossAndItsLatencyIsHonoured() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        let tight = try await Self.listener(rig, request: "{\"max_latency_ms\":100}\n")
        let relaxed = try await Self.listener(rig)  // the server's default: a minute
        // The tight reader may skip at any time (a busy machine holds the test up too), but
        // every skip must be accounted for exactly.
        var previousEnd: UInt64?
        var big: StreamFrame?
        func next() async throws -> StreamFrame {
            while true {
                let frame = try #require(try await tight.frame(timeout: Self.timeout))
                guard frame.header.type == .audio else { continue }
                #expect(AudioRig.isRamp(frame.samples, from: frame.header.sampleIndex))
                if let previousEnd {
                    // Loss accounting: the header's count equals the gap in the media clock.
                    #expect(UInt64(frame.header.dropped) == frame.header.sampleIndex - previousEnd)
                    #expect(frame.header.flags.contains(.discontinuity) == (frame.header.dropped > 0))
                }
                previousEnd = frame.header.sampleIndex + UInt64(frame.samples.count)
                return frame
            }
        }
        for _ in 0..<5 { _ = try await next() }
        _ = try await Self.readRamp(relaxed, samples: 400)
        // Stop reading for 2.5 s: far beyond 100 ms, well within a minute.
        try await Task.sleep(for: .milliseconds(2500))
        // The tight reader gets the kernel's backlog, then a frame that skips to near live.
        while big == nil {
            let frame = try await next()
            if frame.header.dropped > 4000 { big = frame }  // at least a second of 4 kHz audio
        }
        let frame = try #require(big)
        let xrun = try #require(
            try await rig.event("stream.xrun") { $0["sample_index"]?.intValue == Int64(frame.header.sampleIndex) })
        // The skip lands one 20 ms frame (80 samples) before the live edge; a few 10 ms blocks may
        // land between the pump reading the edge and publishing the event.
        let live = try #require(rig.writeIndex(whenPublished: xrun))
        #expect(live - frame.header.sampleIndex >= 80 && live - frame.header.sampleIndex <= 80 + 400)
        #expect(xrun["dropped"]?.intValue == Int64(frame.header.dropped))
        #expect(xrun["client"]?.stringValue?.hasPrefix("stream#") == true)
        for _ in 0..<5 { _ = try await next() }
        // The relaxed reader lost nothing at all.
        _ = try await Self.readRamp(relaxed, samples: 12000)
        server.stop()
        rig.finish()
    }

    @Test(arguments: [
        ("hello there\n", "bad_request"), ("{\"max_latency_ms\":10}\n", "bad_request"),
        ("{\"max_latency_ms\":\"fast\"}\n", "bad_request"), ("{\"start\":\"live\"}\n", "bad_request"),
        (String(repeating: "x", count: 3000), "line_too_long"), ("\u{FF}\n", "bad_request"),
    ])
    func aBadRequestEndsTheConnectionWithAnError(request: String, code: String) async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        let client = try await Self.listener(rig, request: request)
        var error: StreamFrame?
        while error == nil, let frame = try await client.frame(timeout: Self.timeout) {
            if frame.header.type == .error { error = frame }
        }
        #expect(try #require(error).error().code == code)
        #expect(try await client.waitForClose(timeout: Self.timeout))
        #expect(try await rig.event("stream.disconnected") { $0["reason"]?.stringValue == code } != nil)
        server.stop()
        rig.finish()
    }

    @Test func whatFollowsTheRequestLineIsIgnored() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        let client = try await Self.listener(rig, request: "{}\n\u{0}\u{1}garbage\n{\"max_latency_ms\":1}")
        try client.send("more garbage, and no newline")
        _ = try await Self.readRamp(client, samples: 2000)
        #expect(server.listenerCount == 1)
        server.stop()
        rig.finish()
    }

    @Test func requestsAreParsed() throws {
        #expect(try StreamServer.parseRequest(Array("{\"max_latency_ms\": 40}".utf8)).get() == 40)
        #expect(try StreamServer.parseRequest(Array(" {\"max_latency_ms\":5000} \r".utf8)).get() == 5000)
        #expect(try StreamServer.parseRequest(Array("{}".utf8)).get() == nil)
        #expect(try StreamServer.parseRequest(Array("".utf8)).get() == nil)
        #expect((try? StreamServer.parseRequest(Array("{\"max_latency_ms\":5001}".utf8)).get()) == nil)
        #expect((try? StreamServer.parseRequest(Array("{\"max_latency_ms\":39}".utf8)).get()) == nil)
        #expect((try? StreamServer.parseRequest(Array("[300]".utf8)).get()) == nil)
    }

    @Test func framesAreWholeAndContiguousWhateverTheCaptureBlocks() async throws {
        let rig = try AudioRig()  // 4 kHz: a 20 ms frame is 80 samples
        let server = try Self.server(rig)
        let client = try await Self.listener(rig)
        var sizes: [Int] = []
        var next = rig.ring.writeIndex
        // Blocks of 40 + 40, then 200 (two frames and a half), then 40 (completing the third).
        for (blocks, frames) in [([40, 40], 1), ([200], 2), ([40], 1)] {
            for block in blocks { rig.writeRamp(block) }
            var received = 0
            while received < frames {
                let frame = try #require(try await client.frame(timeout: Self.timeout))
                guard frame.header.type == .audio else { continue }
                #expect(frame.header.sampleIndex == next)
                #expect(AudioRig.isRamp(frame.samples, from: frame.header.sampleIndex))
                sizes.append(frame.samples.count)
                received += 1
                next += UInt64(frame.samples.count)
            }
        }
        #expect(sizes == [80, 80, 80, 80])
        server.stop()
        rig.finish()
    }

    @Test func theWakeupIsArmedOnlyWhileSomeoneListens() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        #expect(!server.wakeup.isArmed)
        let client = try await Self.listener(rig)
        // Armed on the server's queue when it admits the listener: wait for it rather than race it.
        let armedBy = ContinuousClock.now + .seconds(Self.timeout)
        while !server.wakeup.isArmed, ContinuousClock.now < armedBy { try await Task.sleep(for: .milliseconds(5)) }
        #expect(server.wakeup.isArmed)
        _ = try await Self.readRamp(client, samples: 200)
        client.close()
        let deadline = Date().addingTimeInterval(Self.timeout)
        while server.wakeup.isArmed, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!server.wakeup.isArmed)
        #expect(server.listenerCount == 0)
        server.stop()
        rig.finish()
    }

    @Test func withoutAWakeupTheTimerStillServesListeners() async throws {
        let rig = try AudioRig()
        let server = try StreamServer(
            path: rig.path("stream.sock"), mode: 0o600, ring: rig.ring, device: AudioRig.device, gate: rig.gate,
            policy: rig.policy, events: rig.events, logger: rig.logger)
        server.start()  // the ramp below is not attached: only the housekeeping timer pumps
        try rig.startRamp()
        let client = try await Self.listener(rig)
        _ = try await Self.readRamp(client, samples: 1000)
        server.stop()
        rig.finish()
    }

    @Test func aQuietStreamSendsKeepalives() async throws {
        let rig = try AudioRig()
        try rig.startRamp()
        let server = try Self.server(rig)
        let client = try await Self.listener(rig)
        _ = try await Self.readRamp(client, samples: 400)
        rig.stopRamp()
        let end = rig.ring.writeIndex
        var keepalive: StreamFrame?
        while keepalive == nil, let frame = try await client.frame(timeout: Self.timeout) {
            if frame.header.type == .keepalive { keepalive = frame }
        }
        let frame = try #require(keepalive)
        #expect(frame.payload.isEmpty)
        #expect(frame.header.sampleIndex <= end && frame.header.sampleIndex + 80 > end)
        server.stop()
        rig.finish()
    }

    @Test func aTechnicianListeningIsCutOffWhenAVisitStarts() async throws {
        let rig = try AudioRig(access: [
            AccessRule(role: .technician, principal: .daemonUser),
            AccessRule(role: .clinician, principal: .uid(3_999_999)),
        ])
        try rig.startRamp()
        let server = try Self.server(rig)
        let client = try await Self.listener(rig)
        _ = try await Self.readRamp(client, samples: 200)
        rig.gate.set(true)
        var error: StreamFrame?
        while error == nil, let frame = try await client.frame(timeout: Self.timeout) {
            if frame.header.type == .error { error = frame }
        }
        #expect(try #require(error).error().code == "forbidden")
        #expect(try await client.waitForClose(timeout: Self.timeout))
        #expect(try await rig.event("stream.disconnected") { $0["reason"] == "forbidden" } != nil)
        server.stop()
        rig.finish()
    }
}
