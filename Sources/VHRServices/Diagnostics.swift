import Foundation
import VHRCore
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The room's self-test (`vhrctl diag`): each configured device's node and permissions, each cuff
/// answering, each stethoscope captured for a few seconds, the upload server, the outbox, disk
/// space, clock synchronisation, and the daemon's watchdog and restart history.
///
/// The daemon owns one and serves it as the control method `diag`; `vhrctl diag --direct` makes
/// one over devices it opened itself (`Diagnostics.direct`). The verdicts and thresholds are in
/// `DiagnosticRules` (pure); this type gathers the facts. docs/diag.md describes every check.
public final class Diagnostics: Sendable {
    /// The longest capture a caller may ask for.
    public static let maximumSeconds = 60.0
    /// The capture length when none is asked for.
    public static let defaultSeconds = 3.0

    private let config: RoomConfig
    private let catalog: ProfileCatalog
    private let stateDirectory: String
    private let environment: [String: String]
    private let stethoscopes: [any Stethoscope]
    private let ring: SampleRing?
    private let deviceStates: @Sendable () async -> JSONValue
    private let outbox: (@Sendable () throws -> OutboxSummary)?
    private let runHistory: RunHistory?
    private let mode: DiagnosticsReport.Mode
    private let userAgent: String
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - config: The room's configuration (devices, upload, min-free-space).
    ///   - stethoscopes: The room's stethoscopes; the first is captured from `ring`.
    ///   - ring: The ring the first stethoscope is already writing (the daemon's); `nil` makes the
    ///     self-test start and stop the first stethoscope itself (direct mode).
    ///   - deviceStates: The room's device list as `Room.devicesView()` gives it (`id`, `state`,
    ///     `error`): the evidence that a cuff answers.
    ///   - outbox: The outbox summary (`MeasurementStore.queueSummary`); `nil` when there is no store.
    ///   - runHistory: The start history; `nil` when none is kept.
    ///   - mode: `.daemon` inside vhrd, `.direct` in vhrctl.
    public init(
        config: RoomConfig, catalog: ProfileCatalog, stateDirectory: String, environment: [String: String],
        stethoscopes: [any Stethoscope], ring: SampleRing?, deviceStates: @escaping @Sendable () async -> JSONValue,
        outbox: (@Sendable () throws -> OutboxSummary)?, runHistory: RunHistory?,
        mode: DiagnosticsReport.Mode = .daemon,
        userAgent: String = "vhrd", now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.config = config
        self.catalog = catalog
        self.stateDirectory = stateDirectory
        self.environment = environment
        self.stethoscopes = stethoscopes
        self.ring = ring
        self.deviceStates = deviceStates
        self.outbox = outbox
        self.runHistory = runHistory
        self.mode = mode
        self.userAgent = userAgent
        self.now = now
    }

    /// Runs every check; the stethoscope capture and the server check run side by side, so the
    /// whole takes about `seconds` plus the server's answer.
    public func run(seconds: Double = defaultSeconds) async -> DiagnosticsReport {
        let seconds = min(max(seconds, 0.5), Self.maximumSeconds)
        let started = now()
        async let upload = uploadCheck()
        async let captures = captureChecks(seconds: seconds)
        let uploadResult = await upload
        let captureResults = await captures
        // Device states after the capture: a cuff opened at start has had the capture's time to answer.
        let states = await deviceStates()
        let usb = await Self.usbDevicesIfNeeded(config: config, catalog: catalog)
        var checks: [DiagnosticCheck] = []
        let user = Self.checkingUser(mode: mode)
        for device in config.devices {
            checks.append(deviceCheck(device, usb: usb, user: user))
        }
        for entry in states.arrayValue ?? [] where entry["kind"]?.stringValue == DeviceKind.bloodPressureCuff.rawValue {
            guard let id = entry["id"]?.stringValue else { continue }
            checks.append(
                DiagnosticRules.cuff(
                    id: id, state: entry["state"]?.stringValue ?? "unknown", error: entry["error"]?.stringValue))
        }
        checks += captureResults
        checks.append(uploadResult)
        checks.append(outboxCheck())
        checks.append(diskCheck())
        checks.append(clockCheck())
        checks.append(runsCheck())
        return DiagnosticsReport(
            room: config.roomName, mode: mode, generated: started, captureSeconds: seconds, checks: checks)
    }

    // MARK: - Devices

    /// Who the permissions are checked for: the daemon's own user inside vhrd; in direct mode
    /// the `vhr` account when it exists (vhrctl often runs as root, who may open anything).
    struct CheckingUser: Sendable {
        var name: String
        var uid: UInt32
        var groups: [UInt32]
    }

    static func checkingUser(mode: DiagnosticsReport.Mode) -> CheckingUser {
        if mode == .direct, let uid = try? Accounts.userID(named: "vhr"), let groups = try? Accounts.groups(ofUser: uid)
        {
            return CheckingUser(name: "vhr (uid \(uid))", uid: uid, groups: groups)
        }
        let (uid, groups) = DeviceNode.currentCredentials()
        let name = (try? Accounts.userName(of: uid)) ?? "uid \(uid)"
        return CheckingUser(name: "\(name) (uid \(uid))", uid: uid, groups: groups)
    }

    private func deviceCheck(_ device: DeviceConfig, usb: USBScan, user: CheckingUser) -> DiagnosticCheck {
        guard let profile = catalog.profile(device.profile) else {
            return DiagnosticCheck(
                id: "device.\(device.id)", status: .failure, value: "no profile '\(device.profile)'",
                fix: "add DeviceProfiles/\(device.profile).json or correct \(device.header) profile")
        }
        switch profile.transport {
        case .simulated:
            return .ok("device.\(device.id)", "simulated \(profile.name): no device node")
        case .serial:
            let port = device.options["port"] ?? ""
            return nodeCheck(
                device.id, what: "port", path: port, user: user,
                missingFix: "plug the cuff in (its cable and USB-serial adapter), then check port = in \(device.header)"
                    + " of \(config.source); 'vhrctl hardware' lists the serial ports present")
        case .usb:
            return usbCheck(device, profile: profile, usb: usb, user: user)
        case .alsa:
            return captureDeviceCheck(device)
        }
    }

    private func nodeCheck(
        _ id: String, what: String, path: String, user: CheckingUser, missingFix: String
    ) -> DiagnosticCheck {
        let node: DeviceNode?
        do {
            node = try DeviceNode.inspect(path: path)
        } catch {
            return DiagnosticCheck(
                id: "device.\(id)", status: .failure, value: "\(what) \(path) cannot be inspected: \(error)",
                fix: "give vhrd's user access to the directories on the way to \(path)")
        }
        guard let node else {
            return DiagnosticRules.deviceNode(
                id: id, what: what, facts: .init(path: path, exists: false, user: user.name), missingFix: missingFix)
        }
        let facts = DiagnosticRules.NodeFacts(
            path: path, exists: true, owner: node.ownerName, group: node.groupName, mode: node.mode,
            readWrite: DiagnosticRules.mayReadWrite(
                mode: node.mode, owner: node.owner, group: node.group, uid: user.uid, groups: user.groups),
            user: user.name)
        return DiagnosticRules.deviceNode(id: id, what: what, facts: facts, missingFix: missingFix)
    }

    private func usbCheck(
        _ device: DeviceConfig, profile: DeviceProfile, usb: USBScan, user: CheckingUser
    ) -> DiagnosticCheck {
        var selector = USBDeviceSelector(
            serialNumber: device.options["usb-serial"],
            location: device.options["usb-location"])
        switch profile.match.first {
        case .usb(let vendor, let product):
            selector.vendorID = vendor
            selector.productID = product
        case .usbInterface(let interfaceClass):
            selector.interfaceClass = interfaceClass
        default:
            break
        }
        if let problem = usb.problem {
            return DiagnosticCheck(
                id: "device.\(device.id)", status: .failure, value: "USB devices cannot be listed: \(problem)",
                fix: "vhrd needs /dev/bus/usb and /sys/bus/usb; check the unit's DevicePolicy and mounts")
        }
        // The interface class and the serial number are checked here, from what the scan read:
        // the selector's own check needs the interfaces of an opened device.
        var byIDs = selector
        byIDs.interfaceClass = nil
        byIDs.serialNumber = nil
        let found = usb.devices.first { description in
            byIDs.matchesWithoutOpening(description, interfaces: [])
                && (selector.interfaceClass.map { description.interfaceClasses.contains($0) } ?? true)
                // A serial number that could not be read (the node's permissions) is not a
                // mismatch: the node check below names the permission problem.
                && (selector.serialNumber.map { description.serialNumber == $0 || description.stringsError != nil }
                    ?? true)
        }
        guard let found else {
            return DiagnosticRules.deviceNode(
                id: device.id, what: "USB device",
                facts: .init(path: "matching \(selector)", exists: false, user: user.name),
                missingFix:
                    "plug the \(profile.name) in (and switch it on); 'vhrctl hardware' lists what is plugged in,"
                    + " check usb-serial/usb-location in \(device.header)")
        }
        let path = String(format: "/dev/bus/usb/%03d/%03d", Int(found.bus), Int(found.address))
        return nodeCheck(device.id, what: "USB device", path: path, user: user, missingFix: "replug the device")
    }

    /// A USB audio stethoscope: the node is ALSA's, so the evidence is the capture's own health.
    private func captureDeviceCheck(_ device: DeviceConfig) -> DiagnosticCheck {
        let source = stethoscopes.first { $0.info.id == device.id }
        guard let health = source as? any CaptureHealthReporting else {
            return .ok("device.\(device.id)", "ALSA capture device (no health report)")
        }
        if health.isCapturing { return .ok("device.\(device.id)", "present: ALSA capture open and running") }
        return DiagnosticCheck(
            id: "device.\(device.id)", status: .failure,
            value: "missing or unusable: " + (health.lastError?.message ?? "not capturing"),
            fix: health.lastError?.hint
                ?? "plug the stethoscope in; 'vhrctl hardware' lists the sound cards, and vhrd's user needs group audio"
        )
    }

    struct USBScan: Sendable {
        var devices: [USBDeviceDescription] = []
        var problem: String?
    }

    /// Lists USB devices on a thread of its own, only when a configured device is on USB.
    static func usbDevicesIfNeeded(config: RoomConfig, catalog: ProfileCatalog) async -> USBScan {
        let needed = config.devices.contains { catalog.profile($0.profile)?.transport == .usb }
        guard needed else { return USBScan() }
        return await onThread(name: "vhr-diag-usb") {
            do throws(LibUSBError) {
                return USBScan(devices: try LibUSBContext().devices())
            } catch {
                return USBScan(problem: error.description)
            }
        } ?? USBScan(problem: "no thread for the USB scan")
    }

    // MARK: - Stethoscopes

    private func captureChecks(seconds: Double) async -> [DiagnosticCheck] {
        var checks: [DiagnosticCheck] = []
        for (index, stethoscope) in stethoscopes.enumerated() {
            guard index == 0 else {
                checks.append(
                    DiagnosticCheck(
                        id: "stethoscope.\(stethoscope.info.id)", status: .warning,
                        value: "not captured: the room streams its first stethoscope only",
                        fix: "remove the extra stethoscope from \(config.source)"))
                continue
            }
            checks.append(await capture(stethoscope, seconds: seconds))
        }
        return checks
    }

    private func capture(_ stethoscope: any Stethoscope, seconds: Double) async -> DiagnosticCheck {
        let id = stethoscope.info.id
        let ring: SampleRing
        var started = false
        if let shared = self.ring {
            ring = shared
        } else {
            ring = SampleRing(format: stethoscope.format, seconds: seconds + 4)
            do {
                try stethoscope.start(sink: ring)
                started = true
            } catch {
                return DiagnosticCheck(
                    id: "stethoscope.\(id)", status: .failure, value: "cannot capture: \(error.message)",
                    fix: error.hint ?? "check the stethoscope's cable; 'vhrctl hardware' lists the sound cards")
            }
            // The device's first block marks the start of the timeline.
            let deadline = MonotonicClock.now() + 2_000_000_000
            while ring.writeIndex == 0, MonotonicClock.now() < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        defer { if started { stethoscope.stop() } }
        let facts = await Self.measure(
            ring: ring, seconds: seconds, overruns: { (stethoscope as? any CaptureHealthReporting)?.overruns ?? 0 })
        return DiagnosticRules.capture(id: id, facts: facts)
    }

    /// Reads `ring` from its live edge for `seconds`, analysing every frame, and compares the
    /// frames that came with the monotonic clock.
    static func measure(
        ring: SampleRing, seconds: Double, overruns: @Sendable () -> Int
    ) async -> DiagnosticRules.CaptureFacts {
        let format = ring.format
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 4096 * format.channels)
        defer { buffer.deallocate() }
        var analysis = CaptureAnalysis(format: format)
        let overrunsBefore = overruns()
        let startTime = MonotonicClock.now()
        let startIndex = ring.writeIndex
        let startCapture = ring.captureTime(ofIndex: startIndex)
        var reader = SampleRing.Reader(ring: ring, cursor: startIndex)
        let end = startTime + Int64(seconds * 1e9)
        func drain(upTo limit: UInt64) {
            while reader.cursor < limit {
                let result = reader.read(into: buffer)
                guard result.count > 0 else { break }
                let take = Int(min(UInt64(result.count), limit - result.firstIndex))
                analysis.process(UnsafeBufferPointer(rebasing: buffer[0..<(take * format.channels)]))
            }
        }
        while MonotonicClock.now() < end {
            try? await Task.sleep(for: .milliseconds(20))
            drain(upTo: ring.writeIndex)
        }
        let endTime = MonotonicClock.now()
        let endIndex = ring.writeIndex
        let endCapture = ring.captureTime(ofIndex: endIndex)
        drain(upTo: endIndex)
        let received = endIndex - startIndex
        let rate = Double(format.sampleRate)
        var drift: Double?
        if received >= UInt64(rate / 2), endCapture > startCapture {
            drift = (Double(received) * 1e9 / Double(endCapture - startCapture) / rate - 1) * 1e6
        }
        return DiagnosticRules.CaptureFacts(
            analysis: analysis.result, sampleRate: format.sampleRate, receivedFrames: received,
            expectedFrames: UInt64(max(0, Double(endTime - startTime) / 1e9 * rate)), driftPPM: drift,
            lostFrames: reader.lost, overruns: max(0, overruns() - overrunsBefore))
    }

    // MARK: - Upload

    private func uploadCheck() async -> DiagnosticCheck {
        guard let target = config.upload else {
            return .ok("upload", "upload off (no [upload] url): measurements stay in this room")
        }
        let token: String?
        switch UploadTokenSource(tokenFile: target.tokenFile, environment: environment).read() {
        case .success(let read): token = read
        case .failure(let problem):
            return DiagnosticCheck(
                id: "upload", status: .failure, value: "\(target.url): no usable bearer token",
                fix: problem.description, details: ["url": .string(target.url)])
        }
        let base = target.url.hasSuffix("/") ? String(target.url.dropLast()) : target.url
        var headers = ["Accept": "application/fhir+json"]
        if let token { headers["Authorization"] = "Bearer " + token }
        let request = HTTPRequest(
            method: .get, url: base + DiagnosticRules.uploadProbePath, headers: headers,
            timeout: .seconds(min(target.timeoutSeconds, 10)))
        let client = HTTPClient(caFile: target.caFile, userAgent: userAgent, maximumResponseSize: 1 << 20)
        let outcome = await Self.onThread(name: "vhr-diag-http") { () -> Result<HTTPResponse, HTTPError> in
            do throws(HTTPError) {
                return .success(try client.send(request))
            } catch {
                return .failure(error)
            }
        }
        let tls = base.lowercased().hasPrefix("https://")
        switch outcome {
        case .success(let response)?:
            return DiagnosticRules.upload(url: target.url, status: response.status, tls: tls, tokenSent: token != nil)
        case .failure(let error)?:
            return DiagnosticCheck(
                id: "upload", status: .failure, value: "\(target.url): \(Self.summary(of: error))",
                fix: error.description,
                details: ["url": .string(target.url), "error": .string(Self.summary(of: error))])
        case nil:
            return DiagnosticCheck(
                id: "upload", status: .failure, value: "\(target.url): not checked (no thread)",
                fix: "the machine is out of threads or memory; restart vhrd")
        }
    }

    static func summary(of error: HTTPError) -> String {
        switch error {
        case .nameResolution: "the host name does not resolve"
        case .connectionRefused: "unreachable: connection refused"
        case .connectionLost: "the connection closed before an answer"
        case .networkUnreachable: "unreachable: no route to the server"
        case .timedOut: "unreachable: timed out"
        case .tls(let text): "TLS not verified: \(text)"
        case .cancelled: "cancelled"
        case .other(let text): text
        }
    }

    // MARK: - Outbox, disk, clock, runs

    private func outboxCheck() -> DiagnosticCheck {
        guard let outbox else {
            return DiagnosticCheck(
                id: "outbox", status: .warning, value: "not read: no measurement store at \(stateDirectory)",
                fix: "run it as vhrd's user (sudo -u vhr vhrctl diag --direct), or start vhrd and run vhrctl diag")
        }
        do {
            let summary = try outbox()
            return DiagnosticRules.outbox(
                pending: summary.pending, held: summary.held, oldestUnsentAge: summary.oldestUnsentAge,
                uploadConfigured: config.upload != nil)
        } catch {
            return DiagnosticCheck(
                id: "outbox", status: .failure, value: "the outbox cannot be read: \(error)",
                fix: "check the state directory's disk and permissions; 'journalctl -u vhrd' has the store's errors")
        }
    }

    private func diskCheck() -> DiagnosticCheck {
        do {
            return DiagnosticRules.disk(
                path: stateDirectory, freeBytes: try Directories.availableBytes(path: stateDirectory),
                minimumMegabytes: config.minimumFreeMegabytes)
        } catch {
            return DiagnosticCheck(
                id: "disk", status: .warning, value: "free space of \(stateDirectory) unknown: \(error)",
                fix: "create the state directory (systemd's StateDirectory= does) or correct state-dir")
        }
    }

    private func clockCheck() -> DiagnosticCheck {
        do {
            let clock = try ClockSync.read()
            return DiagnosticRules.clock(
                synchronized: clock.synchronized, maxErrorMicroseconds: clock.maxErrorMicroseconds)
        } catch {
            // Under the shipped unit ProtectClock= blocks adjtimex even for reading; then
            // systemd-timesyncd's marker file, which it creates once synchronised, is the evidence.
            if Directories.fileExists(path: Self.timesyncMarker) {
                return .ok(
                    "clock", "synchronised (systemd-timesyncd: \(Self.timesyncMarker); adjtimex not readable: \(error))"
                )
            }
            return DiagnosticCheck(
                id: "clock", status: .warning,
                value:
                    "synchronisation unknown: adjtimex is not readable here (\(error)) and \(Self.timesyncMarker) is absent",
                fix:
                    "enable systemd-timesyncd (timedatectl set-ntp true), or run 'vhrctl diag --direct' with vhrd stopped"
                    + " to read the kernel's clock state")
        }
    }

    /// Created by systemd-timesyncd when the clock is synchronised (systemd-timesyncd.service(8)).
    static let timesyncMarker = "/run/systemd/timesync/synchronized"

    private func runsCheck() -> DiagnosticCheck {
        let watchdog: DiagnosticRules.Watchdog
        if mode == .direct {
            watchdog = .daemonStopped
        } else if let text = environment["WATCHDOG_USEC"], let microseconds = Double(text), microseconds > 0 {
            watchdog = .enabled(seconds: microseconds / 1e6)
        } else if environment["NOTIFY_SOCKET"] != nil {
            watchdog = .notConfigured
        } else {
            watchdog = .notUnderSystemd
        }
        let log: RunLog?
        do {
            log = try runHistory?.load()
        } catch {
            return DiagnosticCheck(
                id: "runs", status: .warning, value: watchdog.text + "; " + error.description,
                fix: "nothing to do: vhrd writes a new history at its next start")
        }
        let running = mode == .daemon
        return DiagnosticRules.runs(
            summary: log?.summary(now: now(), runningPID: running ? getpid() : nil), watchdog: watchdog,
            daemonRunning: running)
    }

    // MARK: - Threads

    /// Runs blocking `body` on a thread of its own (never in the cooperative pool); `nil` when
    /// no thread can be made.
    static func onThread<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            do {
                _ = try DedicatedThread(name: name) { continuation.resume(returning: body()) }
            } catch {
                continuation.resume(returning: nil)
            }
        }
    }
}
