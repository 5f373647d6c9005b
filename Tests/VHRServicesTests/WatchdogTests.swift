import Foundation
import Glibc
import Synchronization
import Testing
import VHRCore
import VHRSystem

@testable import VHRServices

@Suite struct WatchdogTests {
    /// A room whose answers the test can hold back: a stalled actor, as far as the watchdog can tell.
    final class StallableRoom: Sendable {
        private let state = Mutex((stalled: false, waiting: [CheckedContinuation<Void, Never>]()))
        let health = Watchdog.Health(
            visit: nil, pending: 0, oldestUnsentAge: nil,
            devices: [.init(id: "cuff-1", state: "ready"), .init(id: "steth-1", state: "streaming")])

        func stall() { state.withLock { $0.stalled = true } }

        func release() {
            let waiting = state.withLock { state in
                state.stalled = false
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }

        func answer() async -> Watchdog.Health {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.stalled { state.waiting.append(continuation) }
                    return !state.stalled
                }
                if resumeNow { continuation.resume() }
            }
            return health
        }
    }

    /// systemd's end of $NOTIFY_SOCKET: an abstract datagram socket, read without blocking a
    /// thread of the cooperative pool.
    final class NotifySocket: @unchecked Sendable {
        // @unchecked: `fd` is set once; recv on it is thread-safe.
        let name = "vhr-watchdog-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        private let fd: CInt

        init() {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = [0] + Array(name.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            precondition(bound == 0)
        }

        deinit { close(fd) }

        var notifier: SystemdNotifier { SystemdNotifier(address: .abstract(name)) }

        /// Every message that arrives within `duration`.
        func collect(for duration: Duration) async throws -> [String] {
            var messages: [String] = []
            let end = ContinuousClock.now + duration
            while ContinuousClock.now < end {
                messages += drain()
                try await Task.sleep(for: .milliseconds(10))
            }
            return messages + drain()
        }

        /// Waits up to `timeout` for a message that satisfies `match`, and returns it.
        func first(within timeout: Duration = .seconds(20), where match: (String) -> Bool) async throws -> String? {
            let end = ContinuousClock.now + timeout
            while ContinuousClock.now < end {
                if let found = drain().first(where: match) { return found }
                try await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }

        private func drain() -> [String] {
            var messages: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count >= 0 else { return messages }
                messages.append(String(decoding: buffer.prefix(count), as: UTF8.self))
            }
        }
    }

    private let logger = Logger(label: "test", minimumLevel: .debug, handler: StderrLogHandler())

    private func watchdog(
        room: StallableRoom, socket: NotifySocket? = nil, timeout: Duration? = nil, deadline: Duration = .seconds(10),
        control: @escaping @Sendable () async -> Bool = { true }, capture: @escaping @Sendable () -> UInt64? = { nil }
    ) -> Watchdog {
        Watchdog(
            notifier: socket?.notifier ?? SystemdNotifier(address: nil),
            settings: .init(watchdogTimeout: timeout, probeDeadline: deadline, statusInterval: .milliseconds(300)),
            probes: .init(
                room: { await room.answer() }, upload: { "idle" }, control: control, capture: capture),
            logger: logger)
    }

    @Test func aHealthyRoomEarnsAPetAndAStatusLine() async {
        let verdict = await watchdog(room: StallableRoom(), timeout: .seconds(30)).check()
        #expect(verdict.isHealthy)
        #expect(
            verdict.statusLine(upload: "idle")
                == "ready; visit none; outbox 0 pending, oldest unsent —; upload idle; devices cuff-1 ready, steth-1 streaming"
        )
    }

    @Test func aRoomThatDoesNotAnswerWithholdsThePet() async {
        let room = StallableRoom()
        room.stall()
        defer { room.release() }
        let dog = watchdog(room: room, timeout: .seconds(30), deadline: .milliseconds(100))
        let verdict = await dog.check()
        #expect(!verdict.isHealthy)
        #expect(verdict.problems == ["room did not answer within 100 ms"])
        #expect(verdict.statusLine(upload: "idle") == "stalled: room did not answer within 100 ms")
        // The first probe still waits: the next round does not pile another on the actor.
        #expect(await dog.check().problems == ["room did not answer within 100 ms"])
        room.release()
        // The waiting probe finishes; after it the room answers again.
        var healthy = false
        for _ in 0..<200 where !healthy {
            healthy = await dog.check().isHealthy
            if !healthy { try? await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(healthy)
    }

    @Test func aControlLoopThatIsGoneOrStuckWithholdsThePet() async {
        let gone = await watchdog(room: StallableRoom(), timeout: .seconds(30), control: { false }).check()
        #expect(gone.problems == ["control socket is not accepting"])
        let stuck = await watchdog(
            room: StallableRoom(), timeout: .seconds(30), deadline: .milliseconds(50),
            control: {
                try? await Task.sleep(for: .seconds(30))
                return true
            }
        ).check()
        #expect(stuck.problems == ["control socket did not answer within 50 ms"])
    }

    @Test func captureMustAdvanceBetweenPetsWhileAStethoscopeStreams() async {
        let index = Atomic<UInt64>(4000)
        let dog = watchdog(room: StallableRoom(), timeout: .seconds(30), capture: { index.load(ordering: .relaxed) })
        #expect(await dog.check().isHealthy, "the first look only takes a baseline")
        #expect(await dog.check().problems == ["capture stalled at sample 4000"])
        index.store(4800, ordering: .relaxed)
        #expect(await dog.check().isHealthy)
        let idle = watchdog(room: StallableRoom(), timeout: .seconds(30), capture: { nil })
        #expect(await idle.check().isHealthy, "no stethoscope streaming: nothing to advance")
        #expect(await idle.check().isHealthy)
    }

    @Test func theHealthComesFromTheRoomsStatusView() {
        let status: JSONValue = [
            "room": "school-3", "visit": ["id": "v-17", "measurements": 2],
            "outbox": ["pending": 3, "held": 1, "oldest_unsent_age_s": 3727],
            "devices": [["id": "cuff-1", "state": "measuring"], ["id": "steth-1", "state": "fault"]],
            "alarms": [["kind": "disk_full", "message": "the disk is full"]],
        ]
        let health = Watchdog.Health(status: status)
        #expect(
            health.summary(upload: "backing-off")
                == "visit v-17; outbox 3 pending, 1 held, oldest unsent 1h02m; upload backing-off; "
                + "devices cuff-1 measuring, steth-1 fault; alarms disk_full")
        #expect(
            Watchdog.Health(status: ["visit": nil, "devices": []]).summary(upload: nil)
                == "visit none; outbox unreadable, oldest unsent —; upload off; devices none")
        #expect(Watchdog.Health.age(42) == "42s")
        #expect(Watchdog.Health.age(187) == "3m07s")
        #expect(Watchdog.Health.age(2 * 86400 + 4 * 3600 + 59) == "2d04h")
    }

    /// The whole loop against a datagram socket: WATCHDOG=1 while the room answers, none for two
    /// watchdog periods once it stalls, and again when it recovers.
    @Test func aStalledRoomStopsPettingUntilItRecovers() async throws {
        let socket = NotifySocket()
        let room = StallableRoom()
        defer { room.release() }
        let period = Duration.milliseconds(400)
        let dog = watchdog(room: room, socket: socket, timeout: period)
        dog.start()
        #expect(try await socket.first { $0 == "WATCHDOG=1" } != nil)
        #expect(try await socket.first { $0.hasPrefix("STATUS=ready; visit none;") } != nil)

        room.stall()
        let stalled = try await socket.first { $0.hasPrefix("STATUS=stalled: room did not answer") }
        #expect(stalled == "STATUS=stalled: room did not answer within 100 ms")
        let during = try await socket.collect(for: period * 2)
        #expect(!during.contains("WATCHDOG=1"), "petted while stalled: \(during)")

        room.release()
        #expect(try await socket.first { $0 == "WATCHDOG=1" } != nil)
        await dog.stop()
    }
}
