import Foundation
import Synchronization
import Testing
import VHRCore
import VHRServices
import VHRSystem

/// A FHIR server in memory, for the uploader's tests: it records every request, answers from a
/// script, and like a real server keeps one copy per conditional-create identifier (a resend
/// is answered 200 and stores nothing).
final class ScriptedFHIRServer: FHIRTransport {
    enum Action: Sendable {
        /// Store (if new) and confirm: 201 for a new identifier, 200 for a known one.
        case accept
        /// Store (if new), then lose the response, as a reset after the server committed.
        case acceptThenLose(UploadOutcome.TransportFailure)
        case fail(UploadOutcome.TransportFailure)
        case respond(status: Int, headers: [String: String], body: Data)
    }

    struct Request: Sendable {
        var body: Data
        var base: String
        var token: String?
        /// The panel's conditional-create criterion: the measurement's identity.
        var identifier: String
        var at: Duration
        var wall: Date
        var answered: Int?
    }

    private struct State {
        var requests: [Request] = []
        var copies: [String: Int] = [:]
        var inFlight: Set<String> = []
        var overlaps = 0
    }

    private let state = Mutex(State())
    private let clock: any UploaderClock
    private let script: @Sendable (Request, Int) -> Action

    /// `script` gets each request and its zero-based index.
    init(clock: any UploaderClock, script: @escaping @Sendable (Request, Int) -> Action = { _, _ in .accept }) {
        self.clock = clock
        self.script = script
    }

    var requests: [Request] { state.withLock { $0.requests } }
    var copies: [String: Int] { state.withLock { $0.copies } }
    /// Requests that started while another for the same identifier was in flight.
    var overlaps: Int { state.withLock { $0.overlaps } }

    func postTransaction(_ body: Data, to base: String, token: String?) async -> FHIRTransportResult {
        let identifier = Self.panelIdentifier(body)
        let request = Request(
            body: body, base: base, token: token, identifier: identifier, at: clock.monotonicNow(), wall: clock.now())
        let index = state.withLock { state -> Int in
            if state.inFlight.contains(identifier) { state.overlaps += 1 }
            state.inFlight.insert(identifier)
            state.requests.append(request)
            return state.requests.count - 1
        }
        await Task.yield()
        let action = script(request, index)
        let result: FHIRTransportResult
        switch action {
        case .accept, .acceptThenLose:
            let existed = state.withLock { state -> Bool in
                let existed = state.copies[identifier] != nil
                if !existed { state.copies[identifier] = 1 }
                return existed
            }
            if case .acceptThenLose(let failure) = action {
                result = .failed(failure)
            } else {
                result = .response(status: 200, headers: [:], body: Self.transactionResponse(created: !existed))
            }
        case .fail(let failure):
            result = .failed(failure)
        case .respond(let status, let headers, let body):
            result = .response(status: status, headers: headers, body: body)
        }
        state.withLock { state in
            state.inFlight.remove(identifier)
            if case .response(let status, _, _) = result { state.requests[index].answered = status }
        }
        return result
    }

    static func transactionResponse(created: Bool) -> Data {
        let entry: JSONValue = ["response": ["status": .string(created ? "201 Created" : "200 OK")]]
        let bundle: JSONValue = [
            "resourceType": "Bundle", "type": "transaction-response", "entry": [entry, entry, entry],
        ]
        return Data(bundle.jsonLine().utf8)
    }

    static func operationOutcome(_ diagnostics: String) -> Data {
        let outcome: JSONValue = [
            "resourceType": "OperationOutcome",
            "issue": [["severity": "error", "code": "processing", "diagnostics": .string(diagnostics)]],
        ]
        return Data(outcome.jsonLine().utf8)
    }

    private static func panelIdentifier(_ body: Data) -> String {
        let bundle = try? JSONDecoder().decode(JSONValue.self, from: body)
        return bundle?["entry"]?[1]?["request"]?["ifNoneExist"]?.stringValue ?? "?"
    }
}

/// One uploader over a fresh store in memory-backed storage, a virtual clock and a scripted server.
final class UploaderRig: Sendable {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let visit = Visit(id: "visit-1", patientID: "191212121212", startedAt: t0.addingTimeInterval(-8 * 86_400))
    static let facts = DeviceFacts(manufacturer: "Sim", modelName: "Simulated cuff", isSimulated: true)

    let directory: String
    let store: MeasurementStore
    let clock: UploaderTestClock
    let server: ScriptedFHIRServer
    let events = EventHub()
    let logs = InMemoryLogHandler()
    let target: UploadTarget
    let uploader: Uploader
    private let eventLines = Shared<[String]>([])

    init(
        horizon: Duration?, tokenFile: String? = nil, environment: [String: String] = [:], rate: Double = 2,
        burst: Int = 10, seed: UInt64 = 1,
        script:
            @escaping @Sendable (ScriptedFHIRServer.Request, Int) ->
            ScriptedFHIRServer.Action = { _, _ in .accept }
    ) throws {
        // tmpfs when there is one: these tests commit thousands of transactions.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        directory = base + "vhr-uploader-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try MeasurementStore(path: directory + "/vhr.sqlite")
        try store.beginVisit(Self.visit)
        clock = UploaderTestClock(wallStart: Self.t0, horizon: horizon)
        server = ScriptedFHIRServer(clock: clock, script: script)
        target = UploadTarget(url: "https://fhir.example/r4", tokenFile: tokenFile, rate: rate, burst: burst)
        uploader = Uploader(
            target: target, roomName: "room 7", store: store, transport: server, device: { _ in Self.facts },
            events: events, logger: Logger(label: "uploads", minimumLevel: .debug, handler: logs), clock: clock,
            environment: environment, randomSeed: seed)
        _ = events.subscribe(
            EventHub.Subscription(classes: [.room]) { [eventLines] line in eventLines.withLock { $0.append(line) } })
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func id(_ number: Int) -> UUID {
        UUID(uuidString: "00000000-0000-4000-8000-" + String(format: "%012d", number))!
    }

    static func record(_ number: Int, at date: Date) -> MeasurementRecord {
        MeasurementRecord(
            id: id(number), visitID: visit.id, deviceID: "cuff", profile: "simulated-bp-cuff",
            reading: BloodPressureReading(
                systolic: 110 + number % 50, diastolic: 70 + number % 20, meanArterial: 90, pulse: 60 + number % 30,
                measuredAt: date.addingTimeInterval(-2)),
            recordedAt: date)
    }

    /// Saves measurements 1…count now.
    func save(_ count: Int) throws {
        for number in 1...count { try store.save(Self.record(number, at: clock.now())) }
    }

    /// Runs the uploader until the clock parks at its horizon, then stops it.
    func runToHorizon() async {
        await uploader.start()
        await clock.waitUntilParked()
        await uploader.stop()
    }

    /// The `alarm` and `alarm.cleared` events, decoded.
    var alarmEvents: [JSONValue] {
        eventLines.withLock { $0 }.compactMap { line in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                value["event"]?.stringValue?.hasPrefix("alarm") == true
            else { return nil }
            return value
        }
    }

    func alarms(kind: String, event: String = "alarm") -> [JSONValue] {
        alarmEvents.filter { $0["event"]?.stringValue == event && $0["kind"]?.stringValue == kind }
    }

    func state(_ number: Int) throws -> DeliveryState? {
        try store.deliveryState(id: Self.id(number))
    }

    /// The panel criterion of measurement `number`, as the server keys its copies.
    static func criterion(_ number: Int) -> String {
        FHIRIdentifier.uuid(id(number)).ifNoneExist
    }
}

/// A mutex-guarded value that closures can capture (a `Mutex` itself cannot be copied into one).
final class Shared<Value>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try mutex.withLock(body)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// The harness's own checks, so the other tests can trust it.
@Suite struct UploaderHarnessTests {
    @Test func scriptedServerKeepsOneCopyPerIdentifier() async throws {
        let clock = UploaderTestClock(wallStart: UploaderRig.t0)
        let server = ScriptedFHIRServer(clock: clock) { _, index in
            index == 0 ? .acceptThenLose(.connectionLost) : .accept
        }
        let body = try UploadMapping(target: UploadTarget(url: "https://x"), roomName: "r").bundle(
            record: UploaderRig.record(1, at: UploaderRig.t0), patientID: "191212121212", device: UploaderRig.facts
        ).body
        #expect(await server.postTransaction(body, to: "https://x", token: nil) == .failed(.connectionLost))
        let second = await server.postTransaction(body, to: "https://x", token: nil)
        #expect(
            second == .response(status: 200, headers: [:], body: ScriptedFHIRServer.transactionResponse(created: false))
        )
        #expect(server.copies == [UploaderRig.criterion(1): 1])
        #expect(server.requests.count == 2)
    }

    @Test func testClockRunsScheduledActionsAndParksAtTheHorizon() async throws {
        let clock = UploaderTestClock(wallStart: UploaderRig.t0, horizon: .seconds(100))
        let fired = Shared<[Duration]>([])
        clock.schedule(at: .seconds(30)) { fired.withLock { $0.append(clock.monotonicNow()) } }
        try await clock.sleep(for: .seconds(10))
        #expect(clock.monotonicNow() == .seconds(10))
        // The sleep that reaches the action runs it and returns there.
        try await clock.sleep(for: .seconds(60))
        #expect(fired.withLock { $0 } == [.seconds(30)])
        #expect(clock.monotonicNow() == .seconds(30))
        clock.jumpWall(by: -86_400)
        #expect(clock.now() == UploaderRig.t0.addingTimeInterval(30 - 86_400))
        let sleeper = Task { try await clock.sleep(for: .seconds(500)) }
        await clock.waitUntilParked()
        #expect(clock.monotonicNow() == .seconds(100))
        clock.setHorizon(.seconds(1000))
        try await sleeper.value
        try await clock.sleep(for: .seconds(50))
        #expect(clock.monotonicNow() == .seconds(150))
    }
}
