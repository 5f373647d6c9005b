import Foundation
import Glibc
import Testing

/// I/O faults injected with libfiu into the real vhrd's libc calls (research T3, T4, T11): a save
/// that cannot be made durable is refused loudly and never reported as saved, every measurement
/// reported saved survives a restart, the store stays intact, and the daemon neither crashes
/// nor loops.
@Suite(.serialized) struct IOFaultTests {
    static let patient = "19121212-1212"
    static let simulation = ["--sim-time-scale", "40", "--sim-fault-rate", "0"]

    @Test func aFailedFsyncIsRefusedAlarmedAndNeverStored() async throws {
        try await refuseThenRecover(
            .sync, test: "fsync fails", seed: "31",
            says: { $0.contains("disk I/O error") && $0.contains("check the state directory's disk") })
    }

    @Test func aFullDiskIsRefusedNamingTheDisk() async throws {
        try await refuseThenRecover(
            .diskFull, test: "ENOSPC", seed: "32",
            says: { $0.contains("database or disk is full") && $0.contains("the disk holding the state directory") })
    }

    /// Measures once, raises `fault`, measures (refused), clears it, measures (saved), restarts
    /// without faults and compares what the kiosk was told with the store.
    private func refuseThenRecover(
        _ fault: IOFault, test: String, seed: String, says: (String) -> Bool
    ) async throws {
        let fiu = try IOFaultInjector()
        var ledger = IOFaultLedger()
        let room = try await fiu.room(Self.simulation + ["--sim-seed", seed])
        try await Self.startVisit(room, "io-\(seed)")
        let before = try await ledger.measure(room)
        try #require(ledger.confirmed.count == 1, "before any fault the kiosk was told \(before)")

        try await fiu.raise(fault, in: room)
        let failed = try await ledger.measure(room)
        guard case .refused(let message) = failed else {
            Issue.record("with \(fault) the kiosk was told \(failed)")
            return
        }
        #expect(says(message), "the kiosk saw: \(message)")
        // The values reach the journal in full, so they can be recovered by hand.
        #expect(room.stderr.contains("measurement could not be saved"), "\(room.stderr.suffix(2000))")
        #expect(room.stderr.contains("systolic="))
        let alarmed = String(decoding: try await room.vhrctl("status").stdout, as: UTF8.self)
        #expect(alarmed.contains("ALARM     a measurement could not be saved"), "\(alarmed)")

        try await fiu.clear(fault, in: room)
        let resumed = try await ledger.measure(room)
        #expect(ledger.confirmed.count == 2, "after the fault cleared the kiosk was told \(resumed)")
        let cleared = String(decoding: try await room.vhrctl("status").stdout, as: UTF8.self)
        #expect(!cleared.contains("ALARM"), "\(cleared)")
        #expect(try await room.stop() == 0)

        let restarted = try await RoomProcess.restart(of: room, arguments: Self.simulation)
        let held = try await IOFaultLedger.visitMeasurements(restarted)
        #expect(held == ledger.confirmed, "after restart vhrd holds \(held), the kiosk was told \(ledger.confirmed)")
        #expect(try await restarted.stop() == 0)
        let store = try await IOFaultLedger.readStore(restarted)
        #expect(store.integrity == "ok")
        #expect(store.ids == ledger.confirmed, "stored \(store.ids), confirmed \(ledger.confirmed)")
        print(ledger.summary(test, faults: fiu.injected, stored: store.ids))
    }

    /// A fault in a different I/O call, or a different way, for each save (libfiu cannot pick
    /// "the Nth call"): the first frame write only, the commit's sync only, every write, every
    /// sync, a full disk, any read or write inside SQLite, reads, opens. Whatever happens, the
    /// kiosk is never told "saved" for a measurement a clean restart does not find.
    static let loop: [(fault: IOFault, mustRefuse: Bool)] = [
        (IOFault(point: "posix/io/rw/pwrite", onetime: true), true),
        (IOFault(point: "posix/io/sync/*", onetime: true), true),
        (.write, true),
        (.sync, true),
        (.diskFull, true),
        (IOFault(point: "posix/io/rw/*", inside: "sqlite3_step"), true),
        // SQLite's page cache may answer every read, and the save opens no file: either outcome.
        (IOFault(point: "posix/io/rw/pread"), false),
        (IOFault(point: "posix/io/oc/open"), false),
    ]

    @Test func anIOErrorLoopNeverConfirmsALostSave() async throws {
        let fiu = try IOFaultInjector()
        var ledger = IOFaultLedger()
        var room = try await fiu.room(Self.simulation + ["--sim-seed", "33"])
        try await Self.startVisit(room, "io-loop")
        for (index, step) in Self.loop.enumerated() {
            let label = "step \(index + 1) (\(step.fault))"
            try await fiu.raise(step.fault, in: room)
            let outcome = try await ledger.measure(room)
            if step.mustRefuse, case .saved = outcome { Issue.record("\(label): told saved despite the fault") }
            if case .other = outcome { Issue.record("\(label): the kiosk got no clear answer: \(outcome)") }
            // Still alive and answering while the fault lasts.
            let status = try await room.vhrctl("status")
            #expect(status.status == 0, "\(label): status failed: \(status.stderr)")
            try await fiu.clear(step.fault, in: room)
            let resumed = try await ledger.measure(room)
            if case .saved = resumed {} else { Issue.record("\(label): no save after the fault cleared: \(resumed)") }
            #expect(try await room.stop() == 0, "\(label)")

            let store = try await IOFaultLedger.readStore(room)
            #expect(store.integrity == "ok", "\(label)")
            #expect(ledger.lost(stored: store.ids).isEmpty, "\(label): lost \(ledger.lost(stored: store.ids))")
            #expect(store.ids == ledger.confirmed, "\(label): stored but never confirmed")
            room = try await fiu.room(Self.simulation + ["--sim-seed", "\(40 + index)"], after: room)
            let held = try await IOFaultLedger.visitMeasurements(room)
            #expect(held == ledger.confirmed, "\(label): after restart vhrd holds \(held.count)")
        }
        #expect(try await room.stop() == 0)
        let store = try await IOFaultLedger.readStore(room)
        #expect(store.integrity == "ok")
        #expect(ledger.refused >= Self.loop.filter(\.mustRefuse).count)
        print(ledger.summary("I/O loop", faults: fiu.injected, stored: store.ids))
    }

    /// T11: vhrd is killed mid-measurement, then started on a disk that cannot read (it must exit
    /// at once with a clear error, not loop) and on one that cannot sync (it must start, refuse
    /// saves loudly and still honour SIGTERM); a clean start afterwards has every confirmed save.
    @Test func aCrashFollowedByAFaultyDiskIsLoudAndLosesNothing() async throws {
        let fiu = try IOFaultInjector()
        var ledger = IOFaultLedger()
        let first = try await fiu.room(Self.simulation + ["--sim-seed", "34"])
        try await Self.startVisit(first, "io-crash")
        try await ledger.measure(first)
        try #require(ledger.confirmed.count == 1)

        // kill -9 while the cuff inflates.
        let vhrctl = try RoomProcess.executable("vhrctl")
        let runtime = first.runtimeDirectory
        let inFlight = Task { try await RoomProcess.run(vhrctl, ["--runtime-dir", runtime, "measure", "bp"]) }
        let deadline = ContinuousClock.now + .seconds(10)
        while try await Self.cuffPhase(first) != "inflating", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(first.vhrdPID, SIGKILL)
        try await first.waitForExit()
        let killed = try await inFlight.value
        #expect(killed.status != 0, "a measurement killed while inflating was reported saved")
        Self.removeStaleSockets(first)

        // Reads fail: vhrd cannot open its store and must say so and exit, once.
        let unreadable = try await Self.launch(
            fiu.wrapper(raising: [IOFault(point: "posix/io/rw/pread")]), first, Self.simulation)
        #expect(unreadable.status == 1, "vhrd on an unreadable store: \(unreadable)")
        #expect(unreadable.stderr.contains("vhrd cannot start"), "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("disk I/O error"), "\(unreadable.stderr)")
        Self.removeStaleSockets(first)

        // Syncs fail: vhrd starts, refuses saves loudly, and stops on SIGTERM.
        let faulty = try await fiu.room(Self.simulation + ["--sim-seed", "35"], raising: [.sync], after: first)
        let status = String(decoding: try await faulty.vhrctl("status").stdout, as: UTF8.self)
        #expect(status.contains("visit     io-crash"), "the open visit was not resumed: \(status)")
        let refused = try await ledger.measure(faulty)
        if case .refused = refused {} else { Issue.record("with failing syncs the kiosk was told \(refused)") }
        let alarmed = String(decoding: try await faulty.vhrctl("status").stdout, as: UTF8.self)
        #expect(alarmed.contains("ALARM"), "\(alarmed)")
        let stopping = ContinuousClock.now
        #expect(try await faulty.stop(timeout: 10) == 0, "\(faulty.stderr.suffix(2000))")
        #expect(ContinuousClock.now - stopping < .seconds(10))

        // No faults: every confirmed save is there, and saving works again.
        let clean = try await RoomProcess.restart(of: faulty, arguments: Self.simulation + ["--sim-seed", "36"])
        try await ledger.measure(clean)
        #expect(ledger.confirmed.count == 2, "no save after the faults: \(clean.stderr.suffix(2000))")
        let held = try await IOFaultLedger.visitMeasurements(clean)
        #expect(ledger.lost(stored: held).isEmpty, "lost \(ledger.lost(stored: held))")
        #expect(try await clean.stop() == 0)
        let store = try await IOFaultLedger.readStore(clean)
        #expect(store.integrity == "ok")
        #expect(ledger.lost(stored: store.ids).isEmpty)
        // The one killed while inflating never reached the store, and the one refused while syncs
        // failed stays out although the clean stop could not checkpoint (the store's scrub write).
        #expect(store.ids == ledger.confirmed, "stored \(store.ids.count), confirmed \(ledger.confirmed.count)")
        print(ledger.summary("crash then faulty disk", faults: fiu.injected + 1, stored: store.ids))
    }

    /// A save refused because its fsync failed, then a crash while syncs still fail: SQLite rolled
    /// the transaction back in memory, but its frames were whole in the WAL, and recovery used to
    /// bring the measurement back although the kiosk was told "not saved". The store's scrub write
    /// after a failed commit (MeasurementStore.save) overwrites those frames; this proves it.
    @Test func aRefusedSaveStaysOutOfTheStoreAfterACrash() async throws {
        let fiu = try IOFaultInjector()
        var ledger = IOFaultLedger()
        let room = try await fiu.room(Self.simulation + ["--sim-seed", "37"])
        try await Self.startVisit(room, "io-phantom")
        try await ledger.measure(room)
        try await fiu.raise(.sync, in: room)
        let refused = try await ledger.measure(room)
        #expect(ledger.refused == 1, "with failing syncs the kiosk was told \(refused)")
        kill(room.vhrdPID, SIGKILL)
        try await room.waitForExit()
        let store = try await IOFaultLedger.readStore(room)
        #expect(store.integrity == "ok")
        #expect(ledger.lost(stored: store.ids).isEmpty)
        print(ledger.summary("refused then kill -9", faults: fiu.injected, stored: store.ids))
        #expect(store.ids == ledger.confirmed, "stored \(store.ids.count), confirmed \(ledger.confirmed.count)")
    }

    // MARK: - Helpers

    static func startVisit(_ room: RoomProcess, _ visit: String) async throws {
        let start = try await room.vhrctl("visit", "start", "--visit", visit, "--patient", patient)
        try #require(start.status == 0, "\(start.stderr)")
    }

    static func cuffPhase(_ room: RoomProcess) async throws -> String {
        let readings = try await room.vhrctl("--json", "readings")
        let cuffs = readings.json?["cuffs"] as? [[String: Any]]
        return cuffs?.first?["phase"] as? String ?? "idle"
    }

    /// A killed vhrd leaves its sockets; RoomProcess waits for a fresh one.
    static func removeStaleSockets(_ room: RoomProcess) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: room.runtimeDirectory)) ?? []
        for name in names where name.hasSuffix(".sock") {
            try? FileManager.default.removeItem(atPath: room.runtimeDirectory + "/" + name)
        }
    }

    struct Exit: CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "exit \(status): \(stderr.suffix(1500))" }
    }

    /// Runs vhrd on `room`'s directories under `wrapper`, expecting it to exit by itself within
    /// 30 s; one that comes up (or hangs) is stopped and fails the test.
    static func launch(_ wrapper: [String], _ room: RoomProcess, _ arguments: [String]) async throws -> Exit {
        let process = Process()
        process.executableURL = ProcessGroup.setpriv
        process.arguments = ProcessGroup.dyingWithParent(
            ["/usr/bin/env"] + wrapper + [
                try RoomProcess.executable("vhrd").path, "--simulate", "--runtime-dir", room.runtimeDirectory,
                "--state-dir", room.stateDirectory,
            ] + arguments)
        let pipe = Pipe()
        let output = LockedData()
        pipe.fileHandleForReading.readabilityHandler = { output.append($0.availableData) }
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let group = try ProcessGroup.launch(process)
        defer { group.end() }
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning {
            let up = FileManager.default.fileExists(atPath: room.runtimeDirectory + "/control.sock")
            if up || ContinuousClock.now > deadline {
                group.end()
                Issue.record(up ? "vhrd started although it cannot read its store" : "vhrd hung at start")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // A killed group that Foundation has not reaped yet has no status to read.
        while process.isRunning, ContinuousClock.now < deadline + .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard !process.isRunning else { throw IntegrationError("vhrd under \(wrapper) was never reaped") }
        pipe.fileHandleForReading.readabilityHandler = nil
        output.append(pipe.fileHandleForReading.readDataToEndOfFile())
        return Exit(status: process.terminationStatus, stderr: String(decoding: output.value, as: UTF8.self))
    }
}
