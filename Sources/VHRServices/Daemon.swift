import Foundation
import VHRCore
import VHRDevices
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon: builds the room from its configuration, serves its sockets and shuts down
/// cleanly on SIGTERM or SIGINT.
///
/// Start-up order matters: everything that can refuse (configuration, profiles, state lock,
/// database, devices, sockets) is checked before the room is announced ready, and shutdown
/// runs the other way: stop accepting, deflate and release the devices, close the store.
public final class Daemon: Sendable {
    public static let version = "0.1.0"

    /// Exit statuses, from sysexits.h where one fits (systemd shows them).
    public enum ExitStatus: Int32, Sendable {
        case ok = 0
        case failure = 1
        case usage = 64
        case config = 78
    }

    public static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        let action: DaemonOptions.Action
        do {
            action = try DaemonOptions.parse(arguments)
        } catch {
            try? FileDescriptor.standardError.writeAll(Array("vhrd: \(error)\n\(DaemonOptions.usage)\n".utf8))
            return ExitStatus.usage.rawValue
        }
        switch action {
        case .help:
            print(DaemonOptions.usage)
            return ExitStatus.ok.rawValue
        case .version:
            print("vhrd \(version)")
            return ExitStatus.ok.rawValue
        case .run(let options):
            // libcurl runs with CURLOPT_NOSIGNAL (threads), so it cannot guard its own writes: a
            // server that hangs up mid-upload must be an EPIPE, never a SIGPIPE that kills vhrd.
            SignalSource.ignore([SIGPIPE])
            let logger = Logger(label: "", minimumLevel: options.logLevel, handler: StderrLogHandler())
            // systemctl status shows why a start failed, next to the restart counter.
            let notifier = (try? SystemdNotifier(environment: environment)) ?? SystemdNotifier(address: nil)
            do {
                let daemon = try Daemon(options: options, environment: environment, logger: logger)
                try await daemon.run(until: await SignalSource.stream(for: SignalSource.shutdownSignals))
                return ExitStatus.ok.rawValue
            } catch let error as ConfigError {
                logger.error("configuration error: \(error)")
                try? notifier.status("cannot start: configuration error: \(error)")
                return ExitStatus.config.rawValue
            } catch let error as ProfileError {
                logger.error("device profile error: \(error)")
                try? notifier.status("cannot start: device profile error: \(error)")
                return ExitStatus.config.rawValue
            } catch {
                logger.error("vhrd cannot start: \(error)")
                try? notifier.status("cannot start: \(error)")
                return ExitStatus.failure.rawValue
            }
        }
    }

    public let runtimeDirectory: String
    public let stateDirectory: String
    private let logger: Logger
    private let config: RoomConfig
    private let lock: FileLock
    private let store: MeasurementStore
    private let devices: DeviceFactory.RoomDevices
    /// Where the stethoscope writes: the ring, then a wake-up for the stream and tap servers.
    private let captureSink: WakingSink?
    private let room: Room
    private let control: ControlServer
    private let stream: StreamServer?
    private let tap: TapServer?
    /// The audio sockets systemd passed to a room without a stethoscope: they refuse each client.
    private let absentAudio: [AbsentAudioServer]
    private let quality: SignalQualityMonitor?
    private let uploader: Uploader?
    private let metrics: MetricsServer
    /// Each start and clean stop, for `vhrctl diag` (restarts and unclean ends).
    private let runHistory: RunHistory
    /// `READY=1`, `STATUS=`, `STOPPING=1` to systemd; does nothing outside it.
    private let notifier: SystemdNotifier
    private let watchdog: Watchdog

    public init(options: DaemonOptions, environment: [String: String], logger: Logger) throws {
        self.logger = logger
        let config = try Self.loadConfig(options)
        var catalog = ProfileCatalog.embedded(knownFamilies: DeviceFactory.knownFamilies)
        if let directory = options.profilesDirectory ?? config.profilesDirectory
            ?? (Directories.fileExists(path: DaemonOptions.defaultProfilesDirectory)
                ? DaemonOptions.defaultProfilesDirectory : nil)
        {
            catalog = catalog.merging(try Self.loadProfiles(directory))
        }
        try config.validate(against: catalog)
        self.config = config

        runtimeDirectory = DaemonOptions.directory(
            flag: options.runtimeDirectory, environment: environment["RUNTIME_DIRECTORY"],
            config: config.runtimeDirectory, fallback: DaemonOptions.defaultRuntimeDirectory)
        stateDirectory = DaemonOptions.directory(
            flag: options.stateDirectory, environment: environment["STATE_DIRECTORY"],
            config: config.stateDirectory, fallback: DaemonOptions.defaultStateDirectory)
        try Directories.ensureDirectory(path: runtimeDirectory, mode: 0o755)
        do {
            notifier = try SystemdNotifier(environment: environment)
        } catch {
            logger.warning("not notifying systemd", ["error": "\(error)"])
            notifier = SystemdNotifier(address: nil)
        }
        // Taken first, so a daemon that cannot start still removes LISTEN_* from its environment.
        var passed = try SocketActivation.listeners(environment: environment)
        if !passed.isEmpty {
            logger.notice(
                "serving the sockets systemd passed",
                ["sockets": passed.map { "\($0.name)=\($0.path ?? "?")" }.joined(separator: ",")])
        }
        try Directories.ensureDirectory(path: stateDirectory, mode: 0o700)
        lock = try FileLock(path: stateDirectory + "/vhrd.lock")
        store = try MeasurementStore(path: stateDirectory + "/vhr.sqlite")
        runHistory = RunHistory(stateDirectory: stateDirectory)

        devices = try DeviceFactory.makeDevices(
            for: config, catalog: catalog, simulationOverrides: options.simulationOverrides,
            stateDirectory: stateDirectory, logger: logger)
        let gate = VisitGate()
        let events = EventHub()
        let policy = try AccessPolicy(rules: config.access, daemonUID: getuid(), configFile: config.source)
        // Sockets are for the daemon's own user and group: roles decide the rest.
        let socketMode: UInt32 = 0o660

        var ring: SampleRing?
        var stream: StreamServer?
        var tap: TapServer?
        var quality: SignalQualityMonitor?
        if let stethoscope = devices.stethoscopes.first {
            // At least 32 s of audio, a power of two.
            var capacity = 1
            while capacity < stethoscope.format.sampleRate * 32 { capacity <<= 1 }
            let made = SampleRing(format: stethoscope.format, capacity: capacity)
            ring = made
            stream = try StreamServer(
                path: runtimeDirectory + "/" + config.streamSocket, mode: socketMode, ring: made,
                device: stethoscope.info, gate: gate, policy: policy, events: events, logger: logger,
                inherited: Self.take("stream", file: config.streamSocket, from: &passed))
            var tapSettings = TapServer.Settings()
            tapSettings.encoding = config.tapFormat == .raw ? .raw : .wav
            tap = try TapServer(
                path: runtimeDirectory + "/" + config.tapSocket, mode: socketMode, ring: made, gate: gate,
                policy: policy, events: events, logger: logger, settings: tapSettings,
                inherited: Self.take("tap", file: config.tapSocket, from: &passed))
            quality = SignalQualityMonitor(ring: made, device: stethoscope.info.id, events: events, logger: logger)
        }
        captureSink = ring.map { WakingSink(ring: $0, wakeups: [stream?.wakeup, tap?.wakeup].compactMap { $0 }) }
        self.stream = stream
        self.tap = tap
        var absentAudio: [AbsentAudioServer] = []
        if ring == nil {
            // The shipped vhrd.socket always passes the audio sockets; with nothing to serve on them,
            // each client is told so at once instead of waiting on systemd's copy forever.
            for (role, file) in [(AbsentAudioServer.Role.stream, config.streamSocket), (.tap, config.tapSocket)] {
                guard let passedSocket = Self.take(role.rawValue, file: file, from: &passed) else { continue }
                logger.notice(
                    "no stethoscope in this room: clients of the passed audio socket are refused",
                    ["socket": role.rawValue, "code": AbsentAudioServer.refusal.code])
                absentAudio.append(
                    try AbsentAudioServer(
                        role: role, path: runtimeDirectory + "/" + file, inherited: passedSocket, events: events,
                        logger: logger))
            }
        }
        self.absentAudio = absentAudio
        self.quality = quality
        var uploader: Uploader?
        if let target = config.upload {
            let cuffs = Dictionary(devices.cuffs.map { ($0.info.id, $0.info) }, uniquingKeysWith: { first, _ in first })
            let profiles = catalog
            uploader = Uploader(
                target: target, roomName: config.roomName, store: store,
                transport: HTTPFHIRTransport(
                    caFile: target.caFile, timeout: .seconds(target.timeoutSeconds), userAgent: "vhrd/\(Self.version)"),
                device: { record in Self.deviceFacts(of: record, cuffs: cuffs, catalog: profiles) }, events: events,
                logger: logger, environment: environment, timeZone: .current)
        }
        self.uploader = uploader
        let storage = StorageGuard(
            path: stateDirectory, minimumMegabytes: config.minimumFreeMegabytes, events: events, logger: logger)
        let room = Room(
            name: config.roomName, cuffs: devices.cuffs, stethoscopes: devices.stethoscopes, store: store,
            events: events, gate: gate, logger: logger, storage: storage,
            onVisitEnded: { [stream, tap, quality] in
                stream?.endSession()
                tap?.endSession()
                quality?.reset()
            },
            onMeasurementSaved: { [uploader] _ in uploader?.wake() })
        self.room = room
        let diagnostics = Diagnostics(
            config: config, catalog: catalog, stateDirectory: stateDirectory, environment: environment,
            stethoscopes: devices.stethoscopes, ring: ring, deviceStates: { [room] in await room.devicesView() },
            outbox: { [store] in try store.queueSummary(now: Date()) }, runHistory: runHistory,
            userAgent: "vhrd/\(Self.version)")
        let handler = ControlHandler(
            room: room, events: events,
            simulation: devices.simulatedCuffs.isEmpty ? nil : SimulationControl(cuffs: devices.simulatedCuffs),
            quality: quality, catalog: catalog, configSource: config.source, daemonVersion: Self.version,
            uploader: uploader, diagnostics: diagnostics)
        let control = try ControlServer(
            path: runtimeDirectory + "/" + config.controlSocket, mode: socketMode, handler: handler, policy: policy,
            logger: logger, inherited: Self.take("control", file: config.controlSocket, from: &passed))
        self.control = control
        metrics = try MetricsServer(
            path: runtimeDirectory + "/" + config.metricsSocket, mode: socketMode, policy: policy, logger: logger,
            inherited: Self.take("metrics", file: config.metricsSocket, from: &passed)
        ) { [room, uploader, ring, stream, tap] in
            var families = [
                MetricFamily(
                    "vhr_build_info", .gauge, help: "Always 1; the labels name the running vhrd.",
                    samples: [.init(1, labels: [.init("version", Self.version)])])
            ]
            families += await room.metricFamilies()
            if let uploader { families += await uploader.metricFamilies() }
            if let ring {
                families += Self.audioFamilies(
                    ring: ring,
                    readers: [("stream", stream?.readerMetrics() ?? []), ("tap", tap?.readerMetrics() ?? [])])
            }
            return families
        }
        for unused in passed {
            // systemd keeps its own copy listening; clients of it wait until a vhrd serves it.
            logger.warning(
                "a socket systemd passed matches none of this room's sockets; closing it",
                [
                    "name": unused.name, "path": unused.path ?? "?",
                    "hint": "align ListenStream= in vhrd.socket with the socket names in the configuration",
                ])
            unused.descriptor.closeIgnoringErrors()
        }
        let streaming = devices.stethoscopes.first
        watchdog = Watchdog(
            notifier: notifier,
            settings: .init(watchdogTimeout: SystemdNotifier.watchdogTimeout(environment: environment)),
            probes: Watchdog.Probes(
                room: { [room] in Watchdog.Health(status: await room.statusView()) },
                upload: { [uploader] in await uploader?.status().state.rawValue },
                control: { [control] in await control.heartbeat() },
                capture: { [ring] in
                    guard let ring, let streaming else { return nil }
                    // A USB stethoscope unplugged or still waiting is not a stall; the simulated one always streams.
                    let capturing = (streaming as? any CaptureHealthReporting)?.isCapturing ?? true
                    return capturing ? ring.writeIndex : nil
                }),
            logger: logger)
    }

    /// The capture's and every listener's figures for the metrics socket.
    private static func audioFamilies(ring: SampleRing, readers: [(socket: String, [AudioReaderMetrics])])
        -> [MetricFamily]
    {
        [
            MetricFamily(
                "vhr_audio_captured_samples_total", .counter,
                help: "Samples the stethoscope capture wrote into the ring.", value: Double(ring.writeIndex)),
            MetricFamily(
                "vhr_audio_ring_capacity_samples", .gauge, help: "The ring's size in samples.",
                value: Double(ring.capacity)),
            MetricFamily(
                "vhr_audio_readers", .gauge, help: "Listeners on the stream and tap sockets.",
                samples: readers.map { .init(Double($0.1.count), labels: [.init("socket", $0.socket)]) }),
            MetricFamily(
                "vhr_audio_reader_lag_samples", .gauge, help: "How far a listener is behind the capture.",
                samples: readers.flatMap { socket, listeners in
                    listeners.map {
                        .init(Double($0.lagSamples), labels: [.init("socket", socket), .init("reader", $0.name)])
                    }
                }),
            MetricFamily(
                "vhr_audio_reader_lost_samples_total", .counter,
                help: "Samples a listener lost (skipped to live or lapped).",
                samples: readers.flatMap { socket, listeners in
                    listeners.map {
                        .init(Double($0.lostSamples), labels: [.init("socket", socket), .init("reader", $0.name)])
                    }
                }),
        ]
    }

    /// The passed socket for `role`: the one named so (`FileDescriptorName=`), else the one bound
    /// to a file called as the configuration's socket. Taken out of `passed`.
    private static func take(_ role: String, file: String, from passed: inout [InheritedSocket]) -> FileDescriptor? {
        let fileName = file.split(separator: "/").last.map(String.init) ?? file
        guard
            let index = passed.firstIndex(where: { $0.name == role })
                ?? passed.firstIndex(where: { $0.fileName == fileName })
        else { return nil }
        return passed.remove(at: index).descriptor
    }

    /// Runs the room until the first signal arrives, then shuts down.
    public func run(until signals: AsyncStream<Int32>) async throws {
        sendToSystemd { try notifier.status("starting: opening devices") }
        do {
            try runHistory.recordStart()
        } catch {
            logger.warning("run history not written", ["error": "\(error)"])
        }
        try await room.start()
        if let captureSink {
            for stethoscope in devices.stethoscopes.prefix(1) { try stethoscope.start(sink: captureSink) }
        }
        control.start()
        metrics.start()
        stream?.start()
        tap?.start()
        for server in absentAudio { server.start() }
        quality?.start()
        await uploader?.start()
        logger.notice(
            "vhrd ready",
            [
                "room": config.roomName, "config": config.source, "runtime_dir": runtimeDirectory,
                "state_dir": stateDirectory, "upload": config.upload?.url ?? "off",
                "devices": (devices.cuffs.map { $0.info.id } + devices.stethoscopes.map { $0.info.id }).joined(
                    separator: ","),
            ])
        sendToSystemd { try notifier.ready(status: "ready") }
        watchdog.start()
        var reason = "stopping"
        for await signal in signals {
            logger.notice("shutting down", ["signal": SignalSource.name(of: signal)])
            reason = "stopping on \(SignalSource.name(of: signal))"
            break
        }
        sendToSystemd { try notifier.stopping(status: reason) }
        await shutdown()
    }

    private func sendToSystemd(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            logger.warning("cannot notify systemd", ["error": "\(error)"])
        }
    }

    public func shutdown() async {
        await watchdog.stop()
        control.stop()
        metrics.stop()
        await uploader?.stop()
        stream?.stop()
        tap?.stop()
        for server in absentAudio { server.stop() }
        quality?.stop()
        await room.shutdown()
        for stethoscope in devices.stethoscopes { stethoscope.stop() }
        do {
            try runHistory.recordCleanStop()
        } catch {
            logger.warning("run history not written", ["error": "\(error)"])
        }
        lock.release()
        logger.notice("vhrd stopped")
    }

    /// What the FHIR Device resource says about the device that took `record`: the configured
    /// device when it is still in the room, else its stored profile (it may have been removed),
    /// with what the unit itself reported when it took the reading (serial number, system id)
    /// put first, since the slot may hold another unit by now.
    private static func deviceFacts(
        of record: MeasurementRecord, cuffs: [String: DeviceInfo], catalog: ProfileCatalog
    ) -> DeviceFacts? {
        let profile = catalog.profile(record.profile)
        if let info = cuffs[record.deviceID], info.profile == record.profile {
            return DeviceFacts(info: info, manufacturer: profile?.vendor).preferring(record.reading.source)
        }
        guard let profile else { return nil }
        return DeviceFacts(
            manufacturer: profile.vendor, modelName: profile.name, isSimulated: profile.family.hasPrefix("simulated")
        ).preferring(record.reading.source)
    }

    private static func loadConfig(_ options: DaemonOptions) throws -> RoomConfig {
        var config = try loadConfigFile(options)
        try applyUploadFlags(options, to: &config)
        return config
    }

    /// `--upload-*` replace their `[upload]` keys; `--upload-url` alone turns uploading on.
    private static func applyUploadFlags(_ options: DaemonOptions, to config: inout RoomConfig) throws {
        if let url = options.uploadURL {
            if config.upload == nil { config.upload = UploadTarget(url: url) } else { config.upload?.url = url }
        }
        guard options.uploadTokenFile != nil || options.uploadCAFile != nil || options.uploadTimeoutSeconds != nil
        else {
            return
        }
        guard config.upload != nil else {
            throw ConfigError(
                file: config.source, line: nil, field: "[upload] url",
                problem: "an --upload-* option was given, but nothing is uploaded",
                fix: "name the server with --upload-url URL or an [upload] section")
        }
        if let file = options.uploadTokenFile { config.upload?.tokenFile = file }
        if let seconds = options.uploadTimeoutSeconds { config.upload?.timeoutSeconds = seconds }
        if let file = options.uploadCAFile { config.upload?.caFile = file }
    }

    private static func loadConfigFile(_ options: DaemonOptions) throws -> RoomConfig {
        if options.simulate { return RoomConfig.simulatedRoom }
        let path = options.configPath ?? DaemonOptions.defaultConfigPath
        guard Directories.fileExists(path: path) else {
            throw ConfigError(
                file: path, line: nil, field: "file", problem: "no configuration file",
                fix: "write one (see docs/configuration.md), or run 'vhrd --simulate' for a simulated room")
        }
        let bytes = try Directories.readFile(path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, line: nil, field: "file", problem: "not UTF-8 text", fix: "save it as UTF-8")
        }
        return try RoomConfig.parse(text, file: path)
    }

    private static func loadProfiles(_ directory: String) throws -> ProfileCatalog {
        var files: [(name: String, data: Data)] = []
        for name in try Directories.listDirectory(path: directory).sorted() where name.hasSuffix(".json") {
            files.append((name, Data(try Directories.readFile(path: directory + "/" + name))))
        }
        return try ProfileCatalog.load(files: files, knownFamilies: DeviceFactory.knownFamilies)
    }
}
