import Foundation
import Synchronization
import Testing
import VHRCore
import VHRServices
import VHRSystem

@Suite(.timeLimit(.minutes(2))) struct UploaderTests {
    // MARK: - Delivery

    @Test func deliversDueRowsWithTheExactBundleOfEach() async throws {
        let tokenFile = NSTemporaryDirectory() + "vhr-token-" + UUID().uuidString.prefix(8)
        try "secret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let rig = try UploaderRig(horizon: .seconds(600), tokenFile: tokenFile)
        try rig.save(3)
        await rig.runToHorizon()

        let requests = rig.server.requests
        #expect(requests.count == 3)
        for number in 1...3 {
            #expect(try rig.state(number) == .delivered)
            // Built here from the FHIR types directly, not through the uploader's mapping.
            let device = FHIRDevice(
                identifier: try FHIRIdentifier(system: UploadTarget.defaultDeviceSystem, value: "room_7/cuff"),
                manufacturer: "Sim", modelName: "Simulated cuff")
            let measurement = try FHIRMeasurement(
                record: UploaderRig.record(number, at: UploaderRig.t0), patient: try .personnummer("191212121212"),
                visitSystem: UploadTarget.defaultVisitSystem, device: device, isTestData: true)
            let expected = try FHIRTransactionBundle(measurement: measurement).body
            #expect(requests[number - 1].body == expected)
            #expect(requests[number - 1].token == "secret-token")
            #expect(requests[number - 1].base == "https://fhir.example/r4")
        }
        let status = await rig.uploader.status()
        #expect(status.delivered == 3 && status.alarms.isEmpty && status.state == .stopped)
    }

    @Test func aResponseLostAfterTheCommitIsResentAndStoredOnce() async throws {
        let rig = try UploaderRig(horizon: .seconds(3600)) { _, index in
            index == 0 ? .acceptThenLose(.connectionLost) : .accept
        }
        try rig.save(2)
        await rig.runToHorizon()

        #expect(try rig.state(1) == .delivered && rig.state(2) == .delivered)
        #expect(rig.server.copies == [UploaderRig.criterion(1): 1, UploaderRig.criterion(2): 1])
        let first = rig.server.requests.filter { $0.identifier == UploaderRig.criterion(1) }
        #expect(first.count == 2)
        #expect(first.last?.answered == 200)
        #expect(rig.server.overlaps == 0)
    }

    @Test func wakeLooksAtTheQueueAtOnce() async throws {
        // The real clock and an hour's poll interval: without the wake this would not finish.
        let directory = NSTemporaryDirectory() + "vhr-uploader-wake-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try MeasurementStore(path: directory + "/vhr.sqlite")
        try store.beginVisit(UploaderRig.visit)
        let server = ScriptedFHIRServer(clock: SystemUploaderClock())
        let clock = SleepCountingClock()
        let uploader = Uploader(
            target: UploadTarget(url: "https://fhir.example/r4"), roomName: "room", store: store, transport: server,
            device: { _ in nil }, events: EventHub(), logger: .discarding(), clock: clock, environment: [:],
            pollInterval: .seconds(3600))
        await uploader.start()
        // Saved only once the uploader found the queue empty and went to sleep for the poll interval,
        // so the save is found by the wake, never by the first look.
        while clock.sleeps.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try store.save(UploaderRig.record(1, at: Date()))
        uploader.wake()
        while try store.deliveryState(id: UploaderRig.id(1)) != .delivered {
            try await Task.sleep(for: .milliseconds(10))
        }
        await uploader.stop()
        #expect(server.requests.count == 1)
    }

    @Test func stopIsPromptDuringALongBackoff() async throws {
        let directory = NSTemporaryDirectory() + "vhr-uploader-stop-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try MeasurementStore(path: directory + "/vhr.sqlite")
        try store.beginVisit(UploaderRig.visit)
        try store.save(UploaderRig.record(1, at: Date()))
        let server = ScriptedFHIRServer(clock: SystemUploaderClock()) { _, _ in
            .respond(status: 503, headers: ["retry-after": "3000"], body: Data())
        }
        let uploader = Uploader(
            target: UploadTarget(url: "https://fhir.example/r4"), roomName: "room", store: store, transport: server,
            device: { _ in nil }, events: EventHub(), logger: .discarding(), environment: [:])
        await uploader.start()
        while await uploader.status().state != .backingOff { try await Task.sleep(for: .milliseconds(10)) }
        // The suite's time limit fails this if stop waits for the 50-minute backoff.
        await uploader.stop()
        #expect(server.requests.count == 1)
        #expect(await uploader.status().state == .stopped)
        #expect(try store.deliveryState(id: UploaderRig.id(1)) == .pending)
    }

    // MARK: - Retries

    @Test func retryAfterInSecondsIsHonoured() async throws {
        let rig = try UploaderRig(horizon: .seconds(3600)) { _, index in
            index == 0 ? .respond(status: 503, headers: ["retry-after": "120"], body: Data()) : .accept
        }
        try rig.save(1)
        await rig.runToHorizon()
        let requests = rig.server.requests
        #expect(requests.count == 2)
        #expect(requests[1].at - requests[0].at >= .seconds(120))
        #expect(requests[1].at - requests[0].at <= .seconds(120 + 5 + 1))
        #expect(try rig.state(1) == .delivered)
    }

    @Test func retryAfterAsADateCountsFromTheResponsesDateNotTheKiosksClock() async throws {
        // The kiosk's clock says 2027; the server's Date and Retry-After say 1994, 180 s apart.
        let rig = try UploaderRig(horizon: .seconds(3600)) { _, index in
            index == 0
                ? .respond(
                    status: 429,
                    headers: ["date": "Sun, 06 Nov 1994 08:49:37 GMT", "retry-after": "Sun, 06 Nov 1994 08:52:37 GMT"],
                    body: Data())
                : .accept
        }
        try rig.save(1)
        await rig.runToHorizon()
        let requests = rig.server.requests
        #expect(requests.count == 2)
        #expect(requests[1].at - requests[0].at >= .seconds(180))
        #expect(requests[1].at - requests[0].at <= .seconds(180 + 5 + 1))
    }

    @Test func transientFailuresRetryWithGrowingCappedJitteredDelays() async throws {
        let failures: [ScriptedFHIRServer.Action] = [
            .respond(status: 429, headers: [:], body: Data()), .respond(status: 408, headers: [:], body: Data()),
            .respond(status: 500, headers: [:], body: Data()), .respond(status: 502, headers: [:], body: Data()),
            .fail(.timedOut), .fail(.connectionRefused), .fail(.networkUnreachable), .fail(.nameResolution),
            .respond(status: 504, headers: [:], body: Data()), .fail(.tls("handshake")),
            .respond(status: 503, headers: [:], body: Data()), .fail(.connectionLost),
        ]
        let rig = try UploaderRig(horizon: .seconds(86_400), seed: 42) { _, index in
            index < failures.count ? failures[index] : .accept
        }
        try rig.save(1)
        await rig.runToHorizon()

        let requests = rig.server.requests
        #expect(requests.count == failures.count + 1)
        #expect(try rig.state(1) == .delivered)
        let policy = RetryPolicy()
        let gaps = zip(requests.dropFirst(), requests).map { $0.at - $1.at }
        for (index, gap) in gaps.enumerated() {
            // After failure n the wait is at most the policy's ceiling for n (plus a poll's rounding).
            #expect(gap <= policy.ceiling(afterFailures: index + 1) + .milliseconds(100))
        }
        #expect(gaps.allSatisfy { $0 <= policy.cap + .milliseconds(100) })
        // Jittered: no two waits alike; growing: the late waits dwarf the early ones.
        #expect(Set(gaps).count == gaps.count)
        let early = gaps.prefix(3).map(\.seconds).reduce(0, +)
        let late = gaps.suffix(3).map(\.seconds).reduce(0, +)
        #expect(late > 10 * early)
        let status = await rig.uploader.status()
        #expect(status.retried == failures.count && status.delivered == 1)
    }

    // MARK: - Held records

    @Test func poisonRecordsAreHeldWhileTheRestDeliver() async throws {
        let poison: [String: ScriptedFHIRServer.Action] = [
            UploaderRig.criterion(10): .respond(
                status: 422, headers: [:], body: ScriptedFHIRServer.operationOutcome("component is required")),
            UploaderRig.criterion(50): .respond(
                status: 404, headers: [:],
                body: ScriptedFHIRServer.operationOutcome("Patient?identifier=191212121212 matched nothing")),
            UploaderRig.criterion(90): .respond(status: 412, headers: [:], body: Data()),
        ]
        let rig = try UploaderRig(horizon: .seconds(3600)) { request, _ in poison[request.identifier] ?? .accept }
        try rig.save(100)
        await rig.runToHorizon()

        let summary = try rig.store.queueSummary(now: rig.clock.now())
        #expect(summary.delivered == 97 && summary.held == 3 && summary.pending == 0)
        #expect(try rig.state(10) == .held && rig.state(50) == .held && rig.state(90) == .held)
        let reasons = summary.heldItems.map(\.reason)
        #expect(reasons.count == 3)
        #expect(reasons[0].contains("HTTP 422") && reasons[0].contains("component is required"))
        #expect(reasons[1].contains("HTTP 404") && reasons[1].contains("unknown patient"))
        #expect(reasons[2].contains("HTTP 412"))
        // Each poison record was tried once; none blocked the queue: 100 requests in all.
        #expect(rig.server.requests.count == 100)
        let held = rig.alarms(kind: "upload_held")
        #expect(
            held.compactMap { $0["measurement"]?.stringValue }
                == [10, 50, 90].map { UploaderRig.id($0).uuidString.lowercased() })
        // The server's words can quote the patient: they stay in the store, out of events and logs.
        #expect(!held.contains { $0["message"]?.stringValue?.contains("191212121212") == true })
        #expect(!rig.logs.records.contains { $0.message.contains("191212121212") })
        #expect(await rig.uploader.status().held == 3)
    }

    @Test func aRowThatCannotBeMappedIsHeldWithTheMappingError() async throws {
        let rig = try UploaderRig(horizon: .seconds(600))
        try rig.store.beginVisit(Visit(id: "visit-2", patientID: "1912|1212", startedAt: UploaderRig.t0))
        var bad = UploaderRig.record(2, at: UploaderRig.t0)
        bad.visitID = "visit-2"
        try rig.store.save(UploaderRig.record(1, at: UploaderRig.t0))
        try rig.store.save(bad)
        try rig.store.save(UploaderRig.record(3, at: UploaderRig.t0))
        await rig.runToHorizon()

        #expect(try rig.state(1) == .delivered && rig.state(2) == .held && rig.state(3) == .delivered)
        let reason = try rig.store.queueSummary(now: rig.clock.now()).heldItems.first?.reason
        #expect(reason?.contains(FHIRMappingError.unsafeIdentifier(field: "patient").description) == true)
        #expect(rig.server.requests.count == 2)
        #expect(rig.alarms(kind: "upload_held").count == 1)
    }

    // MARK: - The token

    @Test func aRefusedTokenPausesTheWholeQueueWithOneAlarmUntilItIsRenewed() async throws {
        let tokenFile = NSTemporaryDirectory() + "vhr-token-" + UUID().uuidString.prefix(8)
        try "old-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let rig = try UploaderRig(horizon: .seconds(3 * 3600), tokenFile: tokenFile) { request, _ in
            request.token == "new-token" ? .accept : .respond(status: 401, headers: [:], body: Data())
        }
        try rig.save(5)
        await rig.uploader.start()
        await rig.clock.waitUntilParked()

        var status = await rig.uploader.status()
        #expect(status.state == .pausedAuth)
        #expect(status.alarms.map(\.kind) == ["upload_auth"])
        #expect(status.alarms.first?.message.contains("renew the token") == true)
        #expect(rig.alarms(kind: "upload_auth").count == 1)
        #expect(status.held == 0 && status.delivered == 0)
        for number in 1...5 { #expect(try rig.state(number) == .pending) }
        // Capped, jittered backoff (at most 15 min, 7.5 min on average): a few dozen tries over
        // three hours, not one per row or per second.
        let tries = rig.server.requests.count
        #expect(tries >= 3 * 3600 / 900 && tries <= 60)

        try "new-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let renewedAt = rig.clock.monotonicNow()
        rig.clock.setHorizon(renewedAt + .seconds(3600))
        await rig.clock.waitUntilParked()
        await rig.uploader.stop()

        for number in 1...5 { #expect(try rig.state(number) == .delivered) }
        let accepted = rig.server.requests.filter { $0.token == "new-token" }
        #expect(accepted.count == 5)
        // Renewal is noticed within a poll interval, not after the backoff.
        #expect(try #require(accepted.first).at - renewedAt <= Uploader.defaultPollInterval + .seconds(1))
        #expect(rig.alarms(kind: "upload_auth").count == 1)
        #expect(rig.alarms(kind: "upload_auth", event: "alarm.cleared").count == 1)
        status = await rig.uploader.status()
        #expect(status.alarms.isEmpty && status.held == 0 && status.delivered == 5)
    }

    @Test func aServerThatRefusesEveryRequestPausesTheQueueInsteadOfHoldingTheBacklog() async throws {
        // A wrong base URL (405) or a proxy wanting its own login (407) refuses the request itself:
        // holding each measurement in turn would hold the whole backlog, with an alarm apiece.
        let fixed = Mutex(false)
        let rig = try UploaderRig(horizon: .seconds(3600)) { _, _ in
            fixed.withLock { $0 } ? .accept : .respond(status: 405, headers: [:], body: Data())
        }
        try rig.save(5)
        await rig.uploader.start()
        await rig.clock.waitUntilParked()

        var status = await rig.uploader.status()
        #expect(status.held == 0)
        for number in 1...5 { #expect(try rig.state(number) == .pending) }
        #expect(rig.alarms(kind: "upload_setup").count == 1)
        #expect(rig.alarms(kind: "upload_held").isEmpty)
        #expect(status.alarms.first?.message.contains("check [upload] url") == true)

        fixed.withLock { $0 = true }
        rig.clock.setHorizon(rig.clock.monotonicNow() + .seconds(3600))
        await rig.clock.waitUntilParked()
        await rig.uploader.stop()
        for number in 1...5 { #expect(try rig.state(number) == .delivered) }
        #expect(rig.alarms(kind: "upload_setup", event: "alarm.cleared").count == 1)
        status = await rig.uploader.status()
        #expect(status.alarms.isEmpty && status.held == 0)
    }

    @Test func aRecordTheServerFailsAloneBacksOffAloneWhileTheRestFlows() async throws {
        // The server answers 200 but fails one entry of measurement 1's bundle, every time. That is
        // this record's trouble, not an outage: it backs off on its own schedule while a measurement
        // saved every minute is delivered at once, and the deliveries do not pull it forward.
        let failedEntry: JSONValue = ["response": ["status": "500 Internal Server Error"]]
        let created: JSONValue = ["response": ["status": "201 Created"]]
        let partial = Data(
            JSONValue.object([
                "resourceType": "Bundle", "type": "transaction-response", "entry": [failedEntry, created, created],
            ]).jsonLine().utf8)
        let rig = try UploaderRig(horizon: .seconds(3600)) { request, _ in
            request.identifier == UploaderRig.criterion(1)
                ? .respond(status: 200, headers: [:], body: partial) : .accept
        }
        try rig.save(1)
        for minute in 1...59 {
            rig.clock.schedule(at: .seconds(60 * minute)) {
                [store = rig.store, clock = rig.clock, uploader = rig.uploader] in
                try? store.save(UploaderRig.record(minute + 1, at: clock.now()))
                uploader.wake()
            }
        }
        await rig.runToHorizon()
        for number in 2...60 { #expect(try rig.state(number) == .delivered) }
        #expect(try rig.state(1) == .pending)
        // Capped exponential backoff from 5 s: about a dozen tries in the hour, not one per delivery.
        let tries = rig.server.requests.filter { $0.identifier == UploaderRig.criterion(1) }.count
        #expect(tries >= 3 && tries <= 16, "measurement 1 was tried \(tries) times")
        // Every other measurement went out within a second of being saved: no queue-wide pause.
        for minute in 1...59 {
            let sent = rig.server.requests.first { $0.identifier == UploaderRig.criterion(minute + 1) }
            #expect(sent.map { $0.at - .seconds(60 * minute) <= .seconds(1) } == true, "measurement \(minute + 1)")
        }
    }

    @Test func theTokenComesFromTheCredentialsDirectoryWhenNoFileIsConfigured() async throws {
        let credentials = NSTemporaryDirectory() + "vhr-credentials-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: credentials) }
        try "  credential-token \n".write(toFile: credentials + "/upload-token", atomically: true, encoding: .utf8)
        let rig = try UploaderRig(horizon: .seconds(60), environment: ["CREDENTIALS_DIRECTORY": credentials])
        try rig.save(1)
        await rig.runToHorizon()
        #expect(rig.server.requests.map(\.token) == ["credential-token"])
    }

    @Test func anUnreadableTokenFileAlarmsAndTheQueueWaitsUntilItIsFixed() async throws {
        // A directory stands for an unreadable file (the tests may run as root, who reads anything).
        let tokenFile = NSTemporaryDirectory() + "vhr-token-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: tokenFile, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let rig = try UploaderRig(horizon: .seconds(3600), tokenFile: tokenFile)
        try rig.save(2)
        await rig.uploader.start()
        await rig.clock.waitUntilParked()

        var status = await rig.uploader.status()
        #expect(status.state == .waitingForToken)
        #expect(rig.server.requests.isEmpty)
        let alarms = rig.alarms(kind: "upload_token")
        #expect(alarms.count == 1)
        #expect(alarms.first?["message"]?.stringValue == UploadTokenProblem.unreadable(path: tokenFile).description)

        try FileManager.default.removeItem(atPath: tokenFile)
        try "fixed".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let fixedAt = rig.clock.monotonicNow()
        rig.clock.setHorizon(fixedAt + .seconds(3600))
        await rig.clock.waitUntilParked()
        await rig.uploader.stop()
        #expect(try rig.state(1) == .delivered && rig.state(2) == .delivered)
        #expect(rig.server.requests.map(\.token) == ["fixed", "fixed"])
        // The fix is noticed within a poll interval, not after the token backoff.
        #expect(try #require(rig.server.requests.first).at - fixedAt <= Uploader.defaultPollInterval + .seconds(1))
        #expect(rig.alarms(kind: "upload_token", event: "alarm.cleared").count == 1)
        status = await rig.uploader.status()
        #expect(status.alarms.isEmpty)
    }

    // MARK: - The store

    @Test func aStoreFailureWhileMarkingDeliveredAlarmsBacksOffAndResendsLater() async throws {
        let lock = Shared<SQLiteDatabase?>(nil)
        let path = Shared<String>("")
        let rig = try UploaderRig(horizon: .seconds(3600)) { _, index in
            if index == 0 {
                // Another connection takes the write lock, so marking the row delivered fails.
                lock.withLock { lock in
                    let database = try? SQLiteDatabase(path: path.withLock { $0 }, create: false)
                    try? database?.execute("BEGIN IMMEDIATE")
                    lock = database
                }
            }
            return .accept
        }
        path.withLock { $0 = rig.directory + "/vhr.sqlite" }
        rig.clock.schedule(at: .seconds(600)) {
            lock.withLock {
                try? $0?.execute("ROLLBACK"); $0 = nil
            }
        }
        try rig.save(1)
        await rig.runToHorizon()

        #expect(lock.withLock { $0 == nil })
        #expect(try rig.state(1) == .delivered)
        #expect(rig.server.copies == [UploaderRig.criterion(1): 1])
        #expect(rig.server.requests.count >= 2)
        #expect(rig.server.requests.dropFirst().allSatisfy { $0.answered == 200 })
        #expect(rig.alarms(kind: "upload_store").count == 1)
        #expect(rig.alarms(kind: "upload_store", event: "alarm.cleared").count == 1)
        #expect(rig.logs.records.contains { $0.level == .error && $0.metadata["alarm"] == "upload_store" })
    }
}

/// The real clock, counting the uploader's sleeps.
final class SleepCountingClock: UploaderClock {
    let sleeps = Mutex(0)
    private let inner = SystemUploaderClock()

    func now() -> Date { inner.now() }
    func monotonicNow() -> Duration { inner.monotonicNow() }
    func sleep(for duration: Duration) async throws {
        sleeps.withLock { $0 += 1 }
        try await inner.sleep(for: duration)
    }
}
