import Foundation
import Testing

/// What the kiosk was told about each measurement under I/O faults, and the oracle that compares
/// it with the store: nothing told "saved" is ever missing, nothing told "not saved" is stored.
struct IOFaultLedger {
    /// How one `vhrctl measure bp` ended, as the kiosk saw it.
    enum Outcome: Equatable {
        /// Exit 0 and a "saved as ID" line.
        case saved(String)
        /// Exit 1 with `[not_saved]` and no "saved as" line.
        case refused(message: String)
        /// Anything else (no answer, another error): never counted as saved.
        case other(status: Int32, output: String)
    }

    /// Lower-case ids of the measurements the kiosk was told were saved.
    private(set) var confirmed: Set<String> = []
    private(set) var refused = 0
    private(set) var unanswered = 0

    /// Measures through the kiosk's own command (the human form, as a kiosk script reads it) and
    /// records the outcome.
    @discardableResult
    mutating func measure(_ room: RoomProcess) async throws -> Outcome {
        let result = try await room.vhrctl("measure", "bp")
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        let savedLine = stdout.split(separator: "\n").first { $0.hasPrefix("saved as ") }
        if result.status == 0, let savedLine, let id = savedLine.split(separator: " ").dropFirst(2).first {
            confirmed.insert(id.lowercased())
            return .saved(id.lowercased())
        }
        if result.status == 1, result.stderr.contains("[not_saved]"), savedLine == nil {
            refused += 1
            return .refused(message: result.stderr)
        }
        unanswered += 1
        return .other(status: result.status, output: stdout + result.stderr)
    }

    /// Confirmed measurements that the store no longer holds: must stay empty.
    func lost(stored: Set<String>) -> Set<String> { confirmed.subtracting(stored) }

    /// One line for the test log.
    func summary(_ test: String, faults: Int, stored: Set<String>) -> String {
        "\(test): faults injected \(faults), saves confirmed \(confirmed.count), refused \(refused),"
            + " unanswered \(unanswered), stored \(stored.count), lost \(lost(stored: stored).count)"
    }

    /// The measurement ids the running daemon holds for its visit (`vhrctl --json readings`).
    static func visitMeasurements(_ room: RoomProcess) async throws -> Set<String> {
        let readings = try await room.vhrctl("--json", "readings")
        let list = try #require(readings.json?["measurements"] as? [[String: Any]], "\(readings.stderr)")
        return Set(list.compactMap { ($0["id"] as? String)?.lowercased() })
    }

    /// The stopped room's store as any reader sees it: every measurement id and
    /// `PRAGMA integrity_check`, through the sqlite3 shell.
    static func readStore(_ room: RoomProcess) async throws -> (ids: Set<String>, integrity: String) {
        let shell = URL(fileURLWithPath: "/usr/bin/sqlite3")
        guard FileManager.default.isExecutableFile(atPath: shell.path) else {
            throw IntegrationError("no /usr/bin/sqlite3: install the Debian package sqlite3")
        }
        let database = room.stateDirectory + "/vhr.sqlite"
        let check = try await RoomProcess.run(shell, [database, "PRAGMA integrity_check"])
        let ids = try await RoomProcess.run(shell, [database, "SELECT id FROM measurements"])
        guard check.status == 0, ids.status == 0 else {
            throw IntegrationError("sqlite3 could not read \(database): \(check.stderr)\(ids.stderr)")
        }
        let text = { (data: Data) in String(decoding: data, as: UTF8.self) }
        return (
            Set(text(ids.stdout).split(separator: "\n").map { $0.lowercased() }),
            text(check.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
