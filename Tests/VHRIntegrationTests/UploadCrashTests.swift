import Foundation
import Glibc
import Testing
import VHRCore
import VHRTestSupport

/// kill -9 of the uploading daemon at random points during capture and upload, again and again:
/// every measurement the kiosk was told was saved reaches the server exactly once, nothing the
/// room never stored appears there, and the store passes `PRAGMA integrity_check` every time.
///
/// `VHR_CRASH_KILLS` sets the number of kills (default 200, about four minutes);
/// `scripts/crash-test.sh N` runs the long version. `VHR_CRASH_SEED` repeats a run.
@Suite(.serialized) struct UploadCrashTests {
    static let kills = ProcessInfo.processInfo.environment["VHR_CRASH_KILLS"].flatMap { Int($0) } ?? 200
    static let seed = ProcessInfo.processInfo.environment["VHR_CRASH_SEED"].flatMap { UInt64($0) } ?? 20_261_123
    /// The longest a daemon lives before its kill: about one measurement and its upload.
    static let longestLife = 1_500

    @Test func killingTheDaemonAnywhereLosesAndDuplicatesNothing() async throws {
        var options = FHIRLab.Options()
        options.proxy = false
        try await FHIRLab.with(options) { lab in
            // Straight to the server over loopback HTTP: the kills are the fault here.
            let arguments = UploadRoomTests.simulation + ["--upload-url", lab.serverURL]
            var random = SplitMix64(seed: Self.seed)
            var confirmed: Set<String> = []
            var room = try await RoomProcess(arguments: arguments)
            let start = try await room.vhrctl(
                "--json", "visit", "start", "--visit", "crash-visit", "--patient", FHIRLab.testPatient)
            try #require(start.status == 0, "\(start.stderr)")
            var integrityFailures: [String] = []

            for kill in 0..<Self.kills {
                let pid = room.daemon.processIdentifier
                let life = Duration.milliseconds(Int(random.next() % UInt64(Self.longestLife)))
                let killer = Task {
                    try? await Task.sleep(for: life)
                    Glibc.kill(pid, SIGKILL)
                }
                // Measure until the daemon dies; a measurement counts only when vhrctl said so.
                while room.daemon.isRunning {
                    let result = try await room.vhrctl("--json", "measure", "bp")
                    if result.status == 0, let measurement = result.json?["measurement"] as? [String: Any],
                        let id = measurement["id"] as? String
                    {
                        confirmed.insert(id.lowercased())
                    } else {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                await killer.value
                let store = try await UploadOracle.readStore(room.stateDirectory)
                if store.integrity != "ok" { integrityFailures.append("after kill \(kill): \(store.integrity)") }
                // A killed daemon leaves its sockets behind; RoomProcess waits for a fresh one.
                let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: room.runtimeDirectory)) ?? []
                for socket in leftovers where socket.hasSuffix(".sock") {
                    try? FileManager.default.removeItem(atPath: room.runtimeDirectory + "/" + socket)
                }
                room = try await RoomProcess.restart(of: room, arguments: arguments)
            }

            // Let the last daemon drain the queue, then judge.
            let drain = ContinuousClock.now + .seconds(300)
            var oracle = UploadOracle(confirmed: confirmed, stored: [], server: [])
            while true {
                let store = try await UploadOracle.readStore(room.stateDirectory)
                oracle = UploadOracle(confirmed: confirmed, stored: store.ids, server: try await lab.identifiers())
                if oracle.lost.isEmpty || ContinuousClock.now > drain { break }
                try await Task.sleep(for: .seconds(1))
            }
            _ = try await room.stop()
            let final = try await UploadOracle.readStore(room.stateDirectory)
            oracle.stored = final.ids
            // The server again, after the last daemon stopped: a copy sent meanwhile counts too.
            oracle.server = try await lab.identifiers()
            print(
                "crash test: kills \(Self.kills), confirmed \(confirmed.count), stored \(final.ids.count),"
                    + " lost \(oracle.lost.count), duplicated \(oracle.duplicated.count),"
                    + " unknown \(oracle.unknown.count), integrity failures \(integrityFailures.count)"
                    + " (seed \(Self.seed))")
            #expect(final.integrity == "ok")
            #expect(integrityFailures.isEmpty, "\(integrityFailures)")
            #expect(oracle.isClean, "\(oracle)\nvhrd said:\n\(room.stderr.suffix(3000))")
            // A run whose kills always landed before the first measurement would prove nothing.
            #expect(confirmed.count >= Self.kills / 4, "only \(confirmed.count) measurements in \(Self.kills) lives")
        }
    }
}

/// A small seeded generator (SplitMix64), so a failing run can be repeated with `VHR_CRASH_SEED`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
