import Foundation

/// The self-test's thresholds and verdicts: measured facts in, a `DiagnosticCheck` with its fix
/// out. Pure, so every threshold is tested without devices, servers or clocks; docs/diag.md lists
/// the same numbers.
public enum DiagnosticRules {
    // MARK: - Thresholds

    /// The oldest unsent measurement waits at most this long before a warning: an hour of
    /// retries means the server or the network has been down for a while.
    public static let outboxWarningAge: TimeInterval = 3600
    /// ... and this long before a failure: a day, and the clinician still has not seen it.
    public static let outboxFailureAge: TimeInterval = 24 * 3600
    /// Free space below this many times `min-free-space` is a warning (it refuses below 1×).
    public static let diskWarningFactor: UInt64 = 2
    /// A noise floor above this is a warning (audible hiss under the heart sounds) when the
    /// input does not rise above it (see `soundRangeDB`).
    public static let noiseFloorWarningDBFS = -45.0
    /// ... and above this a failure: the heart sounds drown.
    public static let noiseFloorFailureDBFS = -30.0
    /// Loud hops (90th percentile) this far above the floor mean beats or body sounds are
    /// playing: the floor is then the quiet between them, not noise, and is not judged. Noise is
    /// flat (white noise spans 1–2 dB); recorded heart sounds span 14–24 dB.
    public static let soundRangeDB = 10.0
    /// Clipped samples above this share are a warning: more than the odd clipped S1 peak of a
    /// loudly recorded heart (the shipped recordings clip up to 0.6 %).
    public static let clipWarningRatio = 0.01
    /// ... and above this a failure: the gain is too high or the input is broken.
    public static let clipFailureRatio = 0.05
    /// Sample-rate drift against the monotonic clock beyond this is a warning (a poor crystal).
    public static let driftWarningPPM = 1000.0
    /// ... and beyond this a failure: the device runs at another rate than it claims.
    public static let driftFailurePPM = 20000.0
    /// Frames received below this share of those expected is a warning (dropouts) ...
    public static let receivedWarningRatio = 0.95
    /// ... and below this a failure (capture stalls).
    public static let receivedFailureRatio = 0.5
    /// Unclean ends in 24 hours from this many on are a failure (a crash loop), fewer a warning.
    public static let uncleanFailureCount = 3

    // MARK: - Devices

    /// What the self-test found at a device's node: a serial port or a USB device file.
    public struct NodeFacts: Sendable, Equatable {
        public var path: String
        public var exists: Bool
        public var owner: String
        public var group: String
        /// Permission bits, such as 0o660.
        public var mode: UInt32
        /// Whether `user` may open it for reading and writing.
        public var readWrite: Bool
        /// Who the check was made for: "vhr (uid 998)".
        public var user: String

        public init(
            path: String, exists: Bool, owner: String = "", group: String = "", mode: UInt32 = 0,
            readWrite: Bool = false, user: String
        ) {
            self.path = path
            self.exists = exists
            self.owner = owner
            self.group = group
            self.mode = mode
            self.readWrite = readWrite
            self.user = user
        }
    }

    /// A device's node: missing, present but closed to the daemon's user, or usable.
    /// - Parameters:
    ///   - what: "port" or "USB device", for the message.
    ///   - missingFix: What to do when it is absent (plug in, check the config key).
    public static func deviceNode(
        id: String, what: String, facts: NodeFacts, missingFix: String
    ) -> DiagnosticCheck {
        let checkID = "device.\(id)"
        guard facts.exists else {
            return DiagnosticCheck(
                id: checkID, status: .failure, value: "missing: \(what) \(facts.path) does not exist",
                fix: missingFix, details: ["path": .string(facts.path), "exists": false])
        }
        let mode = "0" + String(facts.mode & 0o7777, radix: 8)
        let details: [String: JSONValue] = [
            "path": .string(facts.path), "exists": true, "owner": .string(facts.owner),
            "group": .string(facts.group), "mode": .string(mode), "read_write": .bool(facts.readWrite),
            "user": .string(facts.user),
        ]
        let seen = "\(what) \(facts.path), \(facts.owner):\(facts.group) \(mode)"
        guard facts.readWrite else {
            return DiagnosticCheck(
                id: checkID, status: .failure,
                value: "wrong permissions: \(seen), \(facts.user) cannot open it read-write",
                fix: "chgrp vhr \(facts.path) && chmod 0660 \(facts.path) for now; to make it last, install the udev"
                    + " rules (make install) and replug the device", details: details)
        }
        return .ok(checkID, "present: \(seen), read-write for \(facts.user)", details: details)
    }

    /// Whether the user `uid` in `groups` may read and write a node owned by `owner`:`group`
    /// with `mode`. Root may always.
    public static func mayReadWrite(mode: UInt32, owner: UInt32, group: UInt32, uid: UInt32, groups: [UInt32]) -> Bool {
        if uid == 0 { return true }
        if uid == owner { return mode & 0o600 == 0o600 }
        if groups.contains(group) { return mode & 0o060 == 0o060 }
        return mode & 0o006 == 0o006
    }

    /// Whether a cuff answers, from the driver's connection state: a `connected` event since
    /// start (the driver opened the device and it answered) and no error since.
    /// - Parameter state: The room's device state: `ready`, `measuring`, `disconnected`, `fault`.
    public static func cuff(id: String, state: String, error: String?) -> DiagnosticCheck {
        let details: [String: JSONValue] = ["state": .string(state), "error": error.map { .string($0) } ?? .null]
        switch state {
        case "ready", "measuring":
            return .ok("cuff.\(id)", "answering (\(state); the driver reported it connected)", details: details)
        default:
            return DiagnosticCheck(
                id: "cuff.\(id)", status: .failure,
                value: "not answering (\(state))" + (error.map { ": \($0)" } ?? ""),
                fix: "check the cuff's cable and power, then the device line above; 'vhrctl hardware' shows what"
                    + " is plugged in and 'journalctl -u vhrd' the driver's messages", details: details)
        }
    }

    // MARK: - Stethoscope

    /// What one stethoscope capture measured.
    public struct CaptureFacts: Sendable, Equatable {
        public var analysis: CaptureAnalysis.Result
        public var sampleRate: Int
        /// Frames written to the ring during the capture.
        public var receivedFrames: UInt64
        /// Frames the monotonic clock says should have come: elapsed time × the nominal rate.
        public var expectedFrames: UInt64
        /// The rate the device's capture time stamps imply, against the nominal one, in ppm;
        /// `nil` when too little came to say.
        public var driftPPM: Double?
        /// Frames lost: overwritten before they were read, plus capture overruns reported by the device.
        public var lostFrames: UInt64
        public var overruns: Int

        public init(
            analysis: CaptureAnalysis.Result, sampleRate: Int, receivedFrames: UInt64, expectedFrames: UInt64,
            driftPPM: Double?, lostFrames: UInt64, overruns: Int
        ) {
            self.analysis = analysis
            self.sampleRate = sampleRate
            self.receivedFrames = receivedFrames
            self.expectedFrames = expectedFrames
            self.driftPPM = driftPPM
            self.lostFrames = lostFrames
            self.overruns = overruns
        }

        /// Received frames as a share of the expected ones.
        public var receivedRatio: Double {
            expectedFrames == 0 ? 0 : Double(receivedFrames) / Double(expectedFrames)
        }
    }

    /// A stethoscope's capture: every problem found is named, the worst decides the status.
    public static func capture(id: String, facts: CaptureFacts) -> DiagnosticCheck {
        let analysis = facts.analysis
        func tenth(_ value: Double) -> Double { (value * 10).rounded() / 10 }
        var details: [String: JSONValue] = [
            "noise_floor_dbfs": .double(tenth(analysis.noiseFloorDBFS)),
            "level_dbfs": .double(tenth(analysis.levelDBFS)),
            "peak_dbfs": .double(tenth(analysis.peakDBFS)), "loud_dbfs": .double(tenth(analysis.loudDBFS)),
            "clip_ratio": .double((analysis.clipRatio * 1e5).rounded() / 1e5),
            "received_frames": .int(Int64(facts.receivedFrames)), "expected_frames": .int(Int64(facts.expectedFrames)),
            "lost_frames": .int(Int64(facts.lostFrames)), "overruns": .int(Int64(facts.overruns)),
            "rate": .int(Int64(facts.sampleRate)),
        ]
        details["drift_ppm"] = facts.driftPPM.map { .double($0.rounded()) } ?? .null
        var status = DiagnosticCheck.Status.ok
        var problems: [String] = []
        var fixes: [String] = []
        func flag(_ found: DiagnosticCheck.Status, _ problem: String, _ fix: String) {
            status = max(status, found)
            problems.append(problem)
            if !fixes.contains(fix) { fixes.append(fix) }
        }
        let received = facts.receivedRatio
        if facts.receivedFrames == 0 {
            flag(
                .failure, "no audio at all",
                "check the stethoscope's cable and 'vhrctl devices'; replug it, or restart vhrd if it stays silent")
        } else if received < receivedWarningRatio {
            flag(
                received < receivedFailureRatio ? .failure : .warning,
                "received \(Int((received * 100).rounded())) % of the expected audio (capture stalls)",
                "the capture thread is starved or the device stalls: check the machine's load and the USB cable")
        }
        if facts.lostFrames > 0 || facts.overruns > 0 {
            flag(
                .warning, "dropouts: \(facts.lostFrames) frame(s) lost, \(facts.overruns) overrun(s)",
                "the capture thread is starved or the device stalls: check the machine's load and the USB cable")
        }
        if let drift = facts.driftPPM, abs(drift) > driftWarningPPM {
            flag(
                abs(drift) > driftFailurePPM ? .failure : .warning,
                "sample rate off by \(Int(drift.rounded())) ppm against the clock",
                "the device does not run at its nominal \(facts.sampleRate) Hz: check the profile's rate, or replace it"
            )
        }
        if analysis.clipRatio > clipWarningRatio {
            flag(
                analysis.clipRatio > clipFailureRatio ? .failure : .warning,
                "clipping: \(String(format: "%.2f", analysis.clipRatio * 100)) % of samples at full scale",
                "lower the input gain (alsamixer) or check the chest piece for knocks and a loose cable")
        }
        let range = analysis.loudDBFS - analysis.noiseFloorDBFS
        if facts.receivedFrames > 0, analysis.noiseFloorDBFS > noiseFloorWarningDBFS, range < soundRangeDB {
            flag(
                analysis.noiseFloorDBFS > noiseFloorFailureDBFS ? .failure : .warning,
                "noisy: noise floor \(tenth(analysis.noiseFloorDBFS)) dBFS, flat within \(tenth(range)) dB",
                "check the cable and its connector for hiss, keep it away from power supplies, lower the gain")
        }
        let figures =
            "noise floor \(tenth(analysis.noiseFloorDBFS)) dBFS, peak \(tenth(analysis.peakDBFS)) dBFS, "
            + "clipping \(String(format: "%.2f", analysis.clipRatio * 100)) %, drift "
            + (facts.driftPPM.map { "\(Int($0.rounded())) ppm" } ?? "unknown")
            + ", \(facts.receivedFrames)/\(facts.expectedFrames) frames, \(facts.lostFrames) lost"
        return DiagnosticCheck(
            id: "stethoscope.\(id)", status: status,
            value: problems.isEmpty ? figures : problems.joined(separator: "; ") + " (" + figures + ")",
            fix: fixes.isEmpty ? nil : fixes.joined(separator: "; "), details: details)
    }

    // MARK: - Upload, outbox, disk

    /// A `GET [base]/metadata` answered with `status`.
    /// The FHIR search the upload check sends: it needs the token on a server that wants one
    /// (a capability statement at `/metadata` is usually public, so it proves nothing about the
    /// token), and `_summary=count` keeps the answer to a number, with no patient data.
    public static let uploadProbePath = "/Observation?_summary=count&_count=0"

    /// The upload server's answer to ``uploadProbePath``.
    /// - Parameter tokenSent: whether a bearer token went with the request.
    public static func upload(url: String, status: Int, tls: Bool, tokenSent: Bool = true) -> DiagnosticCheck {
        let details: [String: JSONValue] = [
            "url": .string(url), "http_status": .int(Int64(status)), "tls": .bool(tls), "token_sent": .bool(tokenSent),
        ]
        let transport = tls ? "TLS verified" : "plain HTTP to this machine"
        switch status {
        case 200..<300:
            let token = tokenSent ? "token accepted" : "answers without a token"
            return .ok("upload", "\(url): reachable, \(transport), \(token) (HTTP \(status))", details: details)
        case 401 where tokenSent, 403 where tokenSent:
            return DiagnosticCheck(
                id: "upload", status: .failure, value: "\(url): the server refused the token (HTTP \(status))",
                fix: "renew the bearer token: write it to [upload] token-file or the upload-token credential",
                details: details)
        case 401, 403:
            return DiagnosticCheck(
                id: "upload", status: .failure,
                value: "\(url): the server wants a token and none was sent (HTTP \(status))",
                fix: "set [upload] token-file, or the upload-token credential; vhrctl diag --direct cannot read"
                    + " the unit's credential: pass --upload-token-file /etc/vhr/upload-token as root",
                details: details)
        default:
            return DiagnosticCheck(
                id: "upload", status: .warning,
                value: "\(url): reachable, \(transport), but a FHIR search gave HTTP \(status)",
                fix:
                    "check that [upload] url is the FHIR base (it must serve Observation searches) and the server's log",
                details: details)
        }
    }

    /// The outbox's oldest unsent measurement and its held ones.
    public static func outbox(
        pending: Int, held: Int, oldestUnsentAge: TimeInterval?, uploadConfigured: Bool
    ) -> DiagnosticCheck {
        let age = oldestUnsentAge.map { Int64($0.rounded(.down)) }
        let details: [String: JSONValue] = [
            "pending": .int(Int64(pending)), "held": .int(Int64(held)),
            "oldest_unsent_age_s": age.map { .int($0) } ?? .null, "upload": .bool(uploadConfigured),
        ]
        let counts = "\(pending) pending, \(held) held, oldest unsent " + (age.map { duration($0) } ?? "none")
        guard uploadConfigured else {
            return .ok("outbox", counts + " (upload off: measurements stay in this room)", details: details)
        }
        if let age = oldestUnsentAge, age > outboxWarningAge {
            return DiagnosticCheck(
                id: "outbox", status: age > outboxFailureAge ? .failure : .warning, value: counts,
                fix: "see the upload check; 'vhrctl queue' shows what waits and why", details: details)
        }
        if held > 0 {
            return DiagnosticCheck(
                id: "outbox", status: .warning, value: counts,
                fix: "the server refused \(held) measurement(s) for good: 'vhrctl queue' gives the reasons, then"
                    + " 'vhrctl queue retry' after fixing them or 'vhrctl queue export' to hand them on",
                details: details)
        }
        return .ok("outbox", counts, details: details)
    }

    /// Free space of the state directory against `[room] min-free-space`.
    public static func disk(path: String, freeBytes: UInt64, minimumMegabytes: Int) -> DiagnosticCheck {
        let minimum = UInt64(max(minimumMegabytes, 0)) << 20
        let details: [String: JSONValue] = [
            "path": .string(path), "free_mib": .int(Int64(freeBytes >> 20)),
            "min_free_mib": .int(Int64(minimumMegabytes)),
        ]
        let value = "\(freeBytes >> 20) MiB free for \(path) (min-free-space \(minimumMegabytes) MiB)"
        if freeBytes < minimum {
            return DiagnosticCheck(
                id: "disk", status: .failure, value: value + ": new measurements are refused",
                fix:
                    "free space on that disk (old logs: journalctl --vacuum-size=100M); nothing of vhr's may be deleted",
                details: details)
        }
        if freeBytes < minimum * diskWarningFactor {
            return DiagnosticCheck(
                id: "disk", status: .warning, value: value,
                fix: "free space on that disk before measurements are refused", details: details)
        }
        return .ok("disk", value, details: details)
    }

    // MARK: - Clock and runs

    /// The kernel's clock discipline (adjtimex): unsynchronised is a warning, not a failure —
    /// the room works, but the measurements' times may be off.
    public static func clock(synchronized: Bool, maxErrorMicroseconds: Int64?) -> DiagnosticCheck {
        let details: [String: JSONValue] = [
            "synchronized": .bool(synchronized), "max_error_us": maxErrorMicroseconds.map { .int($0) } ?? .null,
        ]
        guard synchronized else {
            return DiagnosticCheck(
                id: "clock", status: .warning,
                value: "not synchronised (the kernel reports STA_UNSYNC): measurement times may be off",
                fix: "enable time synchronisation: timedatectl set-ntp true (systemd-timesyncd), or chrony",
                details: details)
        }
        let error = maxErrorMicroseconds.map { ", maximum error \($0 / 1000) ms" } ?? ""
        return .ok("clock", "synchronised" + error, details: details)
    }

    /// What the self-test knows of systemd's watchdog over the daemon.
    public enum Watchdog: Sendable, Equatable {
        /// `WATCHDOG_USEC` is set: systemd restarts the daemon when it stops petting.
        case enabled(seconds: Double)
        /// Started by systemd (`NOTIFY_SOCKET`) but without `WatchdogSec=`.
        case notConfigured
        /// Not started by systemd (a terminal, a test).
        case notUnderSystemd
        /// The daemon is stopped (`vhrctl diag --direct`).
        case daemonStopped

        public var text: String {
            switch self {
            case .enabled(let seconds):
                "watchdog enabled (\(seconds.formatted(.number.precision(.fractionLength(0...1)))) s)"
            case .notConfigured: "under systemd without a watchdog"
            case .notUnderSystemd: "not under systemd (no watchdog)"
            case .daemonStopped: "vhrd stopped"
            }
        }
    }

    /// Restarts and unclean ends in the last 24 hours, and the watchdog.
    public static func runs(summary: RunLog.Summary?, watchdog: Watchdog, daemonRunning: Bool) -> DiagnosticCheck {
        var details: [String: JSONValue] = ["watchdog": .string(watchdog.text)]
        if case .enabled(let seconds) = watchdog { details["watchdog_s"] = .double(seconds) }
        guard let summary else {
            let value = watchdog.text + "; no run history yet (vhrd records its starts in runs.json)"
            return .ok("runs", value, details: details)
        }
        // The current run's start is not a restart.
        let restarts = max(0, summary.starts - (daemonRunning ? 1 : 0))
        details["starts_24h"] = .int(Int64(summary.starts))
        details["restarts_24h"] = .int(Int64(restarts))
        details["unclean_24h"] = .int(Int64(summary.unclean))
        var value = watchdog.text + "; \(restarts) restart(s) in 24 h, \(summary.unclean) unclean"
        if let last = summary.lastUnclean { value += " (latest started \(last.ISO8601Format()))" }
        if summary.unclean > 0 {
            return DiagnosticCheck(
                id: "runs", status: summary.unclean >= uncleanFailureCount ? .failure : .warning, value: value,
                fix: "vhrd ended without stopping cleanly: 'journalctl -u vhrd' around those times shows why"
                    + " (a crash, the watchdog, a power cut)", details: details)
        }
        if watchdog == .notConfigured {
            return DiagnosticCheck(
                id: "runs", status: .warning, value: value,
                fix: "set WatchdogSec= in vhrd.service (the shipped unit does) so a hung vhrd is restarted",
                details: details)
        }
        return .ok("runs", value, details: details)
    }

    /// "45 s", "12 min", "3 h 5 min".
    static func duration(_ seconds: Int64) -> String {
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
