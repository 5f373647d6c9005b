import Foundation
import Synchronization
import Testing
import VHRCore
import VHRDevices
import VHRSystem

@testable import VHRServices

/// The self-test service over test devices: every fault injected is found and named.
@Suite struct DiagnosticsTests {
    /// A stethoscope whose clock runs `actualRate` while it claims `format.sampleRate`, writing
    /// `amplitude` square-wave blocks of 10 ms stamped by its own (fast or slow) clock.
    final class PacedStethoscope: Stethoscope, @unchecked Sendable {
        // @unchecked: `thread` and `running` are set in start/stop on the test's thread; the
        // capture thread only reads `running` through the atomic.
        let info = DeviceInfo(
            id: "steth", kind: .stethoscope, profile: "simulated-stethoscope", model: "test", transport: "simulated",
            simulated: true)
        let format = AudioFormat(sampleRate: 4000)
        let actualRate: Double
        let amplitude: Int16
        private let running = Atomic<Bool>(false)
        private var thread: DedicatedThread?

        init(actualRate: Double = 4000, amplitude: Int16 = 3000) {
            self.actualRate = actualRate
            self.amplitude = amplitude
        }

        func start(sink: any AudioSink) throws(DeviceError) {
            running.store(true, ordering: .relaxed)
            let rate = actualRate
            let amplitude = amplitude
            do {
                thread = try DedicatedThread(name: "test-steth") { [self] in
                    let start = MonotonicClock.now()
                    var written = 0
                    let block = [Int16]((0..<40).map { $0 % 4 < 2 ? amplitude : -amplitude })
                    while self.running.load(ordering: .relaxed) {
                        let due = Int(Double(MonotonicClock.now() - start) / 1e9 * rate)
                        while written + 40 <= due {
                            let time = start + Int64(Double(written) / rate * 1e9)
                            block.withUnsafeBufferPointer { sink.write($0, captureTime: time) }
                            written += 40
                        }
                        usleep(5000)
                    }
                }
            } catch {
                throw DeviceError(.internalError, "no thread", hint: nil)
            }
        }

        func stop() {
            running.store(false, ordering: .relaxed)
            thread?.join()
            thread = nil
        }
    }

    static let catalog = ProfileCatalog.embedded(knownFamilies: DeviceFactory.knownFamilies)

    static func diagnostics(
        config: RoomConfig = .simulatedRoom, stethoscope: PacedStethoscope? = nil, state: String,
        deviceStates: JSONValue = [], outbox: (@Sendable () throws -> OutboxSummary)? = nil,
        history: RunHistory? = nil, environment: [String: String] = [:]
    ) -> Diagnostics {
        Diagnostics(
            config: config, catalog: Self.catalog,
            stateDirectory: state, environment: environment, stethoscopes: stethoscope.map { [$0] } ?? [], ring: nil,
            deviceStates: { deviceStates }, outbox: outbox, runHistory: history, mode: .direct)
    }

    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-diag-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test func aStethoscopeRunningFastIsFoundByItsDrift() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let fast = Self.diagnostics(stethoscope: PacedStethoscope(actualRate: 4400), state: state)
        let report = await fast.run(seconds: 1)
        let check = try #require(report.check("stethoscope.steth"))
        let drift = try #require(check.details["drift_ppm"]?.doubleValue)
        #expect(abs(drift - 100_000) < 100)
        #expect(check.status == .failure)
        #expect(check.value.contains("sample rate off by 100000 ppm"))

        let exact = Self.diagnostics(stethoscope: PacedStethoscope(), state: state)
        let good = try #require(await exact.run(seconds: 1).check("stethoscope.steth"))
        #expect(abs(good.details["drift_ppm"]?.doubleValue ?? .infinity) < 100)
        #expect(good.details["lost_frames"] == 0)
        #expect(abs((good.details["noise_floor_dbfs"]?.doubleValue ?? 0) + 20.8) < 0.2)
    }

    @Test func aLoudFlatStethoscopeIsNoisy() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let diagnostics = Self.diagnostics(stethoscope: PacedStethoscope(amplitude: 20000), state: state)
        let check = try #require(await diagnostics.run(seconds: 0.5).check("stethoscope.steth"))
        #expect(check.status == .failure)
        #expect(check.value.hasPrefix("noisy: noise floor -4.3 dBFS"))
    }

    @Test func everyFaultOfTheRestOfTheRoomIsNamed() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        // A closed loopback port: bound, then closed, so nothing listens there.
        let port = try Self.closedPort()
        var config = RoomConfig.simulatedRoom
        config.upload = UploadTarget(url: "http://127.0.0.1:\(port)/fhir")
        config.minimumFreeMegabytes = 1 << 40
        // Two runs that never stopped cleanly, then this one.
        let history = RunHistory(stateDirectory: state, pid: 100, now: { Date().addingTimeInterval(-600) })
        try history.recordStart()
        try RunHistory(stateDirectory: state, pid: 101, now: { Date().addingTimeInterval(-300) }).recordStart()
        let diagnostics = Self.diagnostics(
            config: config, state: state,
            deviceStates: [["id": "cuff", "kind": "bp-cuff", "state": "fault", "error": "timed out"]],
            outbox: {
                OutboxSummary(
                    pending: 3, delivered: 0, held: 0, oldestPendingAge: 7200, oldestUnsentAge: 7200, heldItems: [])
            }, history: history)
        let report = await diagnostics.run(seconds: 0.5)
        #expect(report.room == "vhr room")
        #expect(report.mode == .direct)
        #expect(report.check("device.cuff")?.status == .ok)
        #expect(report.check("cuff.cuff")?.value == "not answering (fault): timed out")
        let upload = try #require(report.check("upload"))
        #expect(upload.status == .failure)
        #expect(upload.value == "http://127.0.0.1:\(port)/fhir: unreachable: connection refused")
        #expect(upload.fix?.contains("check the URL's port") == true)
        #expect(report.check("outbox")?.status == .warning)
        #expect(report.check("disk")?.status == .failure)
        #expect(report.check("runs")?.status == .warning)
        #expect(report.check("runs")?.value.hasPrefix("vhrd stopped; 2 restart(s) in 24 h, 2 unclean") == true)
        #expect(report.check("clock") != nil)
        #expect(report.status == .failure)
        #expect(
            report.checks.map(\.id) == [
                "device.cuff", "device.stethoscope", "cuff.cuff", "upload", "outbox", "disk", "clock", "runs",
            ])
    }

    @Test func aMissingTokenFileFailsTheUploadCheckWithoutAskingTheServer() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        var config = RoomConfig.simulatedRoom
        config.upload = UploadTarget(url: "http://127.0.0.1:9/fhir")
        config.upload?.tokenFile = state + "/no-token"
        let check = try #require(await Self.diagnostics(config: config, state: state).run(seconds: 0.5).check("upload"))
        #expect(check.status == .failure)
        #expect(check.value.hasSuffix("no usable bearer token"))
        #expect(check.fix?.contains("\(state)/no-token does not exist") == true)
    }

    @Test func aSerialPortIsCheckedForPresenceAndPermissions() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let port = state + "/ttyFake0"
        _ = FileManager.default.createFile(atPath: port, contents: nil, attributes: [.posixPermissions: 0o600])
        let text = """
            [device cuff]
            profile = suntech-advantage
            port = \(port)

            [device spare]
            profile = suntech-advantage
            port = \(state)/ttyMissing
            """
        let config = try RoomConfig.parse(text, file: "test.conf")
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("DeviceProfiles/suntech-advantage.json")
        let catalog = Self.catalog.merging(
            try ProfileCatalog.load(
                files: [("suntech-advantage.json", try Data(contentsOf: shipped))],
                knownFamilies: DeviceFactory.knownFamilies))
        let diagnostics = Diagnostics(
            config: config, catalog: catalog, stateDirectory: state,
            environment: [:], stethoscopes: [], ring: nil, deviceStates: { [] }, outbox: nil, runHistory: nil,
            mode: .daemon)
        let report = await diagnostics.run(seconds: 0.5)
        let present = try #require(report.check("device.cuff"))
        // The owner may read and write 0600 (root may anything): this process owns the file.
        #expect(present.status == .ok)
        #expect(present.value.hasPrefix("present: port \(port), "))
        #expect(present.details["mode"] == "0600")
        let missing = try #require(report.check("device.spare"))
        #expect(missing.status == .failure)
        #expect(missing.value == "missing: port \(state)/ttyMissing does not exist")
        #expect(missing.fix?.contains("port = in [device spare] of test.conf") == true)
        #expect(report.check("outbox")?.status == .warning)
    }

    // MARK: - The control method

    @Test func diagIsForTheTechnicianAndChecksItsSeconds() async throws {
        let state = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let store = try MeasurementStore(path: state + "/vhr.sqlite")
        let events = EventHub()
        let room = Room(
            name: "test room", cuffs: [], stethoscopes: [], store: store, events: events, gate: VisitGate(),
            logger: .discarding())
        let diagnostics = Diagnostics(
            config: .simulatedRoom, catalog: Self.catalog,
            stateDirectory: state, environment: ["NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000"],
            stethoscopes: [], ring: nil, deviceStates: { await room.devicesView() },
            outbox: { try store.queueSummary(now: Date()) }, runHistory: RunHistory(stateDirectory: state))
        func handler(_ diagnostics: Diagnostics?) -> ControlHandler {
            ControlHandler(
                room: room, events: events, simulation: nil, catalog: Self.catalog,
                configSource: "test", daemonVersion: "test", diagnostics: diagnostics)
        }
        func session(_ roles: Set<Role>) -> ControlSession {
            ControlSession(
                client: "test", peer: PeerCredentials(pid: 1, uid: 0, gid: 0), roles: roles, deliver: { _ in })
        }
        let request = ControlRequest(id: .int(1), method: "diag", params: ["seconds": 0.5])
        guard case .success(_, let result) = await handler(diagnostics).handle(request, session: session([.technician]))
        else {
            Issue.record("the technician's diag failed")
            return
        }
        let report = try DiagnosticsReport(json: result)
        #expect(report.mode == .daemon)
        #expect(report.captureSeconds == 0.5)
        #expect(report.check("runs")?.value.hasPrefix("watchdog enabled (30 s)") == true)
        #expect(
            report.check("outbox")?.value
                == "0 pending, 0 held, oldest unsent none (upload off: measurements stay in this room)")

        func errorCode(_ reply: ControlReply) -> String? {
            if case .failure(_, let error) = reply { return error.code }
            return nil
        }
        #expect(
            errorCode(await handler(diagnostics).handle(request, session: session([.kiosk, .clinician]))) == "forbidden"
        )
        for bad: JSONValue in [0, 61, "3"] {
            let badRequest = ControlRequest(id: .int(2), method: "diag", params: ["seconds": bad])
            #expect(
                errorCode(await handler(diagnostics).handle(badRequest, session: session([.technician])))
                    == "bad_request")
        }
        #expect(errorCode(await handler(nil).handle(request, session: session([.technician]))) == "not_supported")
        #expect(handler(nil).hello(for: session([.technician])).fields["methods"]?.arrayValue?.contains("diag") == true)
    }

    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw DeviceError(.internalError, "cannot bind a loopback port", hint: nil) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
