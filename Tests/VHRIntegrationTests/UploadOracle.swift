import Foundation
import VHRCore
import VHRTestSupport

/// The end-to-end oracle of store-and-forward: every measurement the kiosk was told was saved is
/// on the server exactly once (its panel and its pulse), and the server holds nothing the room
/// never stored.
struct UploadOracle: CustomStringConvertible {
    /// The measurements the kiosk was told were saved (lower-case UUIDs).
    var confirmed: Set<String>
    /// The measurements in the room's store (lower-case UUIDs): confirmed ones plus any committed
    /// just before a kill, before the kiosk heard of it.
    var stored: Set<String>
    /// Every Observation identifier on the server, once per copy (`system|value`).
    var server: [String]

    /// Confirmed measurements whose panel or pulse is missing on the server.
    var lost: [String] { confirmed.sorted().filter { copies(of: $0).contains(0) } }
    /// Measurements with more than one copy of the panel or the pulse.
    var duplicated: [String] { stored.union(confirmed).sorted().filter { copies(of: $0).contains { $0 > 1 } } }
    /// Server identifiers that belong to no measurement of the room.
    var unknown: [String] {
        let known = Set(stored.union(confirmed).flatMap { Self.tokens(of: $0) })
        return server.filter { !known.contains($0) }
    }

    var isClean: Bool { lost.isEmpty && duplicated.isEmpty && unknown.isEmpty }

    var description: String {
        "confirmed \(confirmed.count), stored \(stored.count), on the server \(server.count) Observations;"
            + " lost \(lost.count) \(lost.prefix(5)), duplicated \(duplicated.count) \(duplicated.prefix(5)),"
            + " unknown \(unknown.count) \(unknown.prefix(5))"
    }

    /// The copies on the server of a measurement's panel and pulse.
    func copies(of measurement: String) -> [Int] {
        Self.tokens(of: measurement).map { token in server.count { $0 == token } }
    }

    /// The identifiers vhr gives a measurement's panel and pulse Observations.
    static func tokens(of measurement: String) -> [String] {
        guard let id = UUID(uuidString: measurement) else { return ["unparseable measurement id \(measurement)"] }
        return [
            FHIRIdentifier.uuid(id).searchToken,
            FHIRIdentifier.uuid(FHIRDerivedID.uuid(id, "Observation/8867-4")).searchToken,
        ]
    }

    /// The panel identifier of a measurement, to count it on the server.
    static func panelToken(of measurement: String) -> String { tokens(of: measurement)[0] }

    /// The measurement ids in a state directory's store and its `PRAGMA integrity_check`, read
    /// with the lab venv's Python (its sqlite3 module), so no sqlite3 CLI is needed.
    ///
    /// It reads a copy (the database, its WAL and shared-memory files): opening the store itself
    /// would run WAL recovery and checkpoint it, so the next vhrd would never have to recover a
    /// crashed store on its own, which is what the crash test is for.
    static func readStore(_ stateDirectory: String) async throws -> (ids: Set<String>, integrity: String) {
        let venv = try FHIRLabVenv.located()
        let script = """
            import json, os, shutil, sqlite3, sys, tempfile
            scratch = tempfile.mkdtemp(prefix="vhr-oracle-")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(sys.argv[1] + suffix):
                    shutil.copyfile(sys.argv[1] + suffix, os.path.join(scratch, "vhr.sqlite" + suffix))
            db = sqlite3.connect(os.path.join(scratch, "vhr.sqlite"))
            check = [row[0] for row in db.execute("PRAGMA integrity_check")]
            ids = [row[0].lower() for row in db.execute("SELECT id FROM measurements")]
            db.close()
            shutil.rmtree(scratch)
            print(json.dumps({"integrity": "\\n".join(check), "ids": ids}))
            """
        let result = try await RoomProcess.run(
            URL(fileURLWithPath: venv.bin("python")), ["-c", script, stateDirectory + "/vhr.sqlite"])
        guard result.status == 0, let json = result.json, let integrity = json["integrity"] as? String,
            let ids = json["ids"] as? [String]
        else {
            throw IntegrationError("reading the store in \(stateDirectory) failed: \(result.stderr)")
        }
        return (Set(ids), integrity)
    }
}
