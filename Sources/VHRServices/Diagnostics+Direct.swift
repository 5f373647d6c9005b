import Foundation
import VHRCore
import VHRDevices
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Diagnostics {
    /// `vhrctl diag --direct`: the same checks without vhrd, over devices this process opens
    /// itself from the room's configuration, the way `fwupdtool` drives plugins without fwupd.
    ///
    /// It takes vhrd's state-directory lock for its run, so vhrd cannot start meanwhile, and
    /// refuses when vhrd holds it. It writes nothing vhrd owns: no lock file, store or learned
    /// configuration is created in the state directory unless this process is its owner (a root
    /// technician must not leave root-owned files the daemon's user cannot open).
    ///
    /// - Parameters:
    ///   - options: vhrd's own options (`--config FILE` or `--simulate`, `--state-dir`,
    ///     `--profiles-dir`, `--upload-*`, `--sim-*`), parsed by `DaemonOptions.parse`.
    ///   - environment: The process environment (`STATE_DIRECTORY`, `CREDENTIALS_DIRECTORY`).
    /// - Throws: `DiagnosticsRefusal` when vhrd runs or the room cannot be set up.
    public static func direct(
        options: DaemonOptions, environment: [String: String], seconds: Double = defaultSeconds,
        logger: Logger = .discarding()
    ) async throws(DiagnosticsRefusal) -> DiagnosticsReport {
        let config: RoomConfig
        let catalog: ProfileCatalog
        do {
            config = try loadConfig(options)
            catalog = try loadCatalog(options, config: config)
            try config.validate(against: catalog)
        } catch {
            throw DiagnosticsRefusal(.configuration, "the room cannot be set up: \(error)")
        }
        let stateDirectory = DaemonOptions.directory(
            flag: options.stateDirectory, environment: environment["STATE_DIRECTORY"], config: config.stateDirectory,
            fallback: DaemonOptions.defaultStateDirectory)
        let owner = try? DeviceNode.inspect(path: stateDirectory)?.owner
        let ownsState = owner == geteuid()
        let lockPath = stateDirectory + "/vhrd.lock"
        var lock: FileLock?
        if owner != nil, ownsState || Directories.fileExists(path: lockPath) {
            do {
                lock = try FileLock(path: lockPath)
            } catch {
                if case .held(let pid) = error.code {
                    throw DiagnosticsRefusal(
                        .daemonRunning,
                        "vhrd is running" + (pid.map { " (pid \($0))" } ?? "") + " and holds \(stateDirectory)",
                        hint:
                            "stop vhrd first (systemctl stop vhrd.socket vhrd.service: the socket too, or the next client starts it again) to test the devices directly, or run"
                            + " 'vhrctl diag' without --direct to ask the running vhrd")
                }
                throw DiagnosticsRefusal(.configuration, error.description)
            }
        }
        defer { lock?.release() }

        let devices: DeviceFactory.RoomDevices
        do {
            devices = try DeviceFactory.makeDevices(
                for: config, catalog: catalog, simulationOverrides: options.simulationOverrides, stateDirectory: nil,
                logger: logger)
        } catch {
            throw DiagnosticsRefusal(.configuration, "the room's devices cannot be set up: \(error)")
        }
        let tracker = DiagnosticsCuffTracker(cuffs: devices.cuffs.map(\.info))
        for cuff in devices.cuffs {
            let id = cuff.info.id
            do throws(DeviceError) {
                try await cuff.start { event in tracker.record(event, from: id) }
            } catch {
                tracker.fail(id, error.description)
            }
        }

        let storePath = stateDirectory + "/vhr.sqlite"
        var outbox: (@Sendable () throws -> OutboxSummary)?
        if ownsState {
            if Directories.fileExists(path: storePath) {
                if let store = try? MeasurementStore(path: storePath) {
                    outbox = { @Sendable () throws -> OutboxSummary in try store.queueSummary(now: Date()) }
                }
            } else {
                outbox = {
                    OutboxSummary(
                        pending: 0, delivered: 0, held: 0, oldestPendingAge: nil, oldestUnsentAge: nil, heldItems: [])
                }
            }
        }
        let diagnostics = Diagnostics(
            config: config, catalog: catalog, stateDirectory: stateDirectory, environment: environment,
            stethoscopes: devices.stethoscopes, ring: nil, deviceStates: { tracker.view(waited: seconds) },
            outbox: outbox, runHistory: owner == nil ? nil : RunHistory(stateDirectory: stateDirectory),
            mode: .direct, userAgent: "vhrctl/\(Daemon.version)")
        let report = await diagnostics.run(seconds: seconds)
        for cuff in devices.cuffs { await cuff.stop() }
        return report
    }

    /// The room's configuration as vhrd would load it, `--upload-*` flags applied.
    static func loadConfig(_ options: DaemonOptions) throws -> RoomConfig {
        var config: RoomConfig
        if options.simulate {
            config = RoomConfig.simulatedRoom
        } else {
            let path = options.configPath ?? DaemonOptions.defaultConfigPath
            guard Directories.fileExists(path: path) else {
                throw ConfigError(
                    file: path, line: nil, field: "file", problem: "no configuration file",
                    fix: "name the room's file with --config FILE, or use --simulate")
            }
            guard let text = String(validating: try Directories.readFile(path: path), as: UTF8.self) else {
                throw ConfigError(
                    file: path, line: nil, field: "file", problem: "not UTF-8 text", fix: "save it as UTF-8")
            }
            config = try RoomConfig.parse(text, file: path)
        }
        if let url = options.uploadURL {
            if config.upload == nil { config.upload = UploadTarget(url: url) } else { config.upload?.url = url }
        }
        if let file = options.uploadTokenFile { config.upload?.tokenFile = file }
        if let file = options.uploadCAFile { config.upload?.caFile = file }
        return config
    }

    /// The embedded profiles, with the profiles directory vhrd would read over them.
    static func loadCatalog(_ options: DaemonOptions, config: RoomConfig) throws -> ProfileCatalog {
        var catalog = ProfileCatalog.embedded(knownFamilies: DeviceFactory.knownFamilies)
        let fallback =
            Directories.fileExists(path: DaemonOptions.defaultProfilesDirectory)
            ? DaemonOptions.defaultProfilesDirectory : nil
        guard let directory = options.profilesDirectory ?? config.profilesDirectory ?? fallback else { return catalog }
        var files: [(name: String, data: Data)] = []
        for name in try Directories.listDirectory(path: directory).sorted() where name.hasSuffix(".json") {
            files.append((name, Data(try Directories.readFile(path: directory + "/" + name))))
        }
        catalog = catalog.merging(try ProfileCatalog.load(files: files, knownFamilies: DeviceFactory.knownFamilies))
        return catalog
    }
}
