import Foundation
import Synchronization
import VHRCore
import VHRSystem

/// The extended IEEE 11073 configurations monitors have taught the room, kept in the state
/// directory so the next association of the same monitor (by system id) is the quick one, even
/// after a restart. One JSON file, replaced atomically on every change; a file that cannot be
/// read is reported and treated as empty (the monitor then simply sends its configuration again).
public final class PHDConfigurationStore: Sendable {
    /// Configurations per system id, per configuration id.
    public typealias Configurations = [[UInt8]: [UInt16: Configuration]]

    public let path: String
    private let state: Mutex<Configurations>

    private struct File: Codable {
        var version = 1
        /// System id (16 hex digits) → that monitor's configurations.
        var systems: [String: [Configuration]]
    }

    /// Loads the file at `path`; a missing file is an empty store.
    ///
    /// - Throws: `DeviceError` `.invalidData` naming the file when it exists but cannot be read or
    ///   decoded; the caller logs it and goes on with an empty store.
    public init(path: String) throws(DeviceError) {
        self.path = path
        state = Mutex([:])
        guard Directories.fileExists(path: path) else { return }
        let loaded: Configurations
        do {
            let file = try JSONDecoder().decode(File.self, from: Data(try Directories.readFile(path: path)))
            var configurations: Configurations = [:]
            for (hex, list) in file.systems {
                guard let systemID = try? Hex.parse(hex), !systemID.isEmpty else { continue }
                configurations[systemID] = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            }
            loaded = configurations
        } catch {
            throw DeviceError(
                .invalidData, "learned 11073 configurations in \(path) are unreadable: \(error)",
                hint: "monitors will send their configuration again; delete the file to silence this")
        }
        state.withLock { $0 = loaded }
    }

    /// An empty store that never writes (no state directory, as in tests).
    public init() {
        path = ""
        state = Mutex([:])
    }

    public var configurations: Configurations {
        state.withLock { $0 }
    }

    /// Remembers `learned` and rewrites the file.
    ///
    /// - Throws: `DeviceError` `.write` when the file cannot be written (the configuration is still
    ///   remembered until the daemon stops).
    public func remember(_ learned: PHDCuffSession.LearnedConfiguration) throws(DeviceError) {
        let snapshot = state.withLock { all in
            all[learned.systemID, default: [:]][learned.configuration.id] = learned.configuration
            return all
        }
        guard !path.isEmpty else { return }
        var file = File(systems: [:])
        for (systemID, list) in snapshot {
            file.systems[Hex.string(systemID)] = list.values.sorted { $0.id < $1.id }
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try Directories.writeFileAtomically(path: path, bytes: Array(try encoder.encode(file)))
        } catch {
            throw DeviceError(
                .write, "could not save learned 11073 configurations to \(path): \(error)",
                hint: "check the state directory's disk space and permissions")
        }
    }
}
