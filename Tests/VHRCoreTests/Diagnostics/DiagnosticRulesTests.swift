import Foundation
import Testing
import VHRCore

@Suite struct DiagnosticRulesTests {
    // MARK: Devices

    @Test func aMissingNodeFailsWithTheGivenFix() {
        let check = DiagnosticRules.deviceNode(
            id: "cuff", what: "port", facts: .init(path: "/dev/ttyUSB7", exists: false, user: "vhr (uid 998)"),
            missingFix: "plug it in")
        #expect(check.id == "device.cuff")
        #expect(check.status == .failure)
        #expect(check.value == "missing: port /dev/ttyUSB7 does not exist")
        #expect(check.fix == "plug it in")
    }

    @Test func aNodeClosedToTheUserFailsWithTheChmodFix() {
        let facts = DiagnosticRules.NodeFacts(
            path: "/dev/ttyUSB0", exists: true, owner: "root", group: "root", mode: 0o20600, readWrite: false,
            user: "nobody (uid 65534)")
        let check = DiagnosticRules.deviceNode(id: "cuff", what: "port", facts: facts, missingFix: "")
        #expect(check.status == .failure)
        #expect(check.value.contains("wrong permissions: port /dev/ttyUSB0, root:root 0600"))
        #expect(check.fix?.hasPrefix("chgrp vhr /dev/ttyUSB0 && chmod 0660 /dev/ttyUSB0") == true)
        #expect(check.details["mode"] == "0600")
        let open = DiagnosticRules.deviceNode(
            id: "cuff", what: "port",
            facts: {
                var f = facts; f.readWrite = true; return f
            }(), missingFix: "")
        #expect(open.status == .ok)
        #expect(open.fix == nil)
    }

    @Test(arguments: [
        (0o600 as UInt32, 5 as UInt32, 5 as UInt32, 5 as UInt32, [5 as UInt32], true),
        (0o600, 5, 5, 6, [5], false),  // group member, but the group has no rights
        (0o660, 0, 7, 6, [9, 7], true),  // supplementary group
        (0o660, 0, 7, 6, [9], false),
        (0o666, 0, 0, 6, [], true),  // world
        (0o644, 0, 0, 6, [], false),  // read only
        (0o000, 1, 1, 0, [], true),  // root
        (0o460, 6, 7, 6, [7], false),  // the owner's bits decide for the owner, even when the group's allow
    ])
    func readWritePermission(mode: UInt32, owner: UInt32, group: UInt32, uid: UInt32, groups: [UInt32], expected: Bool)
    {
        #expect(
            DiagnosticRules.mayReadWrite(mode: mode, owner: owner, group: group, uid: uid, groups: groups) == expected)
    }

    @Test func aCuffAnswersWhenConnected() {
        #expect(DiagnosticRules.cuff(id: "cuff", state: "ready", error: nil).status == .ok)
        #expect(DiagnosticRules.cuff(id: "cuff", state: "measuring", error: nil).status == .ok)
        let fault = DiagnosticRules.cuff(id: "cuff", state: "fault", error: "cannot open /dev/ttyUSB0")
        #expect(fault.status == .failure)
        #expect(fault.value == "not answering (fault): cannot open /dev/ttyUSB0")
        #expect(DiagnosticRules.cuff(id: "cuff", state: "disconnected", error: nil).status == .failure)
    }

    // MARK: Stethoscope

    static func facts(
        floor: Double = -60, loud: Double = -20, clip: Double = 0, received: UInt64 = 12000, expected: UInt64 = 12000,
        drift: Double? = 0, lost: UInt64 = 0, overruns: Int = 0
    ) -> DiagnosticRules.CaptureFacts {
        DiagnosticRules.CaptureFacts(
            analysis: .init(
                frames: Int(received), noiseFloorDBFS: floor, loudDBFS: loud, levelDBFS: -25, peakDBFS: -6,
                clipRatio: clip),
            sampleRate: 4000, receivedFrames: received, expectedFrames: expected, driftPPM: drift, lostFrames: lost,
            overruns: overruns)
    }

    @Test func aCleanCaptureIsOK() {
        let check = DiagnosticRules.capture(id: "steth", facts: Self.facts())
        #expect(check.id == "stethoscope.steth")
        #expect(check.status == .ok)
        #expect(check.details["noise_floor_dbfs"] == .double(-60))
        #expect(check.details["drift_ppm"] == .double(0))
    }

    @Test(arguments: [
        (-50.0, -49.0, DiagnosticCheck.Status.ok),  // a faint flat hiss: an idle input
        (-40.0, -39.0, .warning),  // audible hiss
        (-22.0, -21.0, .failure),  // white noise
        (-25.0, -5.0, .ok),  // loud, but beats rise 20 dB above the floor: heart sounds
    ])
    func noise(floor: Double, loud: Double, expected: DiagnosticCheck.Status) {
        let check = DiagnosticRules.capture(id: "s", facts: Self.facts(floor: floor, loud: loud))
        #expect(check.status == expected)
        #expect(check.value.contains("noisy") == (expected != .ok))
    }

    @Test(arguments: [(0.005, DiagnosticCheck.Status.ok), (0.02, .warning), (0.3, .failure)])
    func clipping(ratio: Double, expected: DiagnosticCheck.Status) {
        let check = DiagnosticRules.capture(id: "s", facts: Self.facts(clip: ratio))
        #expect(check.status == expected)
        #expect(check.value.contains("clipping:") == (expected != .ok))
    }

    @Test(arguments: [(500.0, DiagnosticCheck.Status.ok), (-1500.0, .warning), (88_000.0, .failure)])
    func drift(ppm: Double, expected: DiagnosticCheck.Status) {
        let check = DiagnosticRules.capture(id: "s", facts: Self.facts(drift: ppm))
        #expect(check.status == expected)
        #expect(check.value.contains("sample rate off") == (expected != .ok))
    }

    @Test func dropoutsStallsAndSilenceAreNamed() {
        let dropouts = DiagnosticRules.capture(id: "s", facts: Self.facts(lost: 40, overruns: 1))
        #expect(dropouts.status == .warning)
        #expect(dropouts.value.contains("dropouts: 40 frame(s) lost, 1 overrun(s)"))
        let slow = DiagnosticRules.capture(id: "s", facts: Self.facts(received: 11000))
        #expect(slow.status == .warning)
        #expect(slow.value.contains("received 92 % of the expected audio"))
        #expect(DiagnosticRules.capture(id: "s", facts: Self.facts(received: 5000)).status == .failure)
        let silent = DiagnosticRules.capture(
            id: "s", facts: Self.facts(floor: -120, loud: -120, received: 0, drift: nil))
        #expect(silent.status == .failure)
        #expect(silent.value.hasPrefix("no audio at all"))
    }

    @Test func severalProblemsAreAllNamedAndTheWorstWins() {
        let check = DiagnosticRules.capture(id: "s", facts: Self.facts(floor: -1, loud: -1, clip: 0.4, lost: 3))
        #expect(check.status == .failure)
        #expect(check.value.contains("dropouts"))
        #expect(check.value.contains("clipping"))
        #expect(check.value.contains("noisy"))
    }

    // MARK: Upload, outbox, disk

    @Test func serverAnswers() {
        let ok = DiagnosticRules.upload(url: "https://fhir.example/r4", status: 200, tls: true)
        #expect(ok.status == .ok)
        #expect(ok.value == "https://fhir.example/r4: reachable, TLS verified, token accepted (HTTP 200)")
        for status in [401, 403] {
            let refused = DiagnosticRules.upload(url: "https://fhir.example/r4", status: status, tls: true)
            #expect(refused.status == .failure)
            #expect(refused.value.contains("refused the token"))
        }
        #expect(DiagnosticRules.upload(url: "http://127.0.0.1:8080", status: 404, tls: false).status == .warning)
        // Without a token a 2xx proves only that the server is open; a 401 says one is needed.
        let open = DiagnosticRules.upload(url: "https://fhir.example/r4", status: 200, tls: true, tokenSent: false)
        #expect(open.status == .ok && open.value.contains("answers without a token"))
        let wanted = DiagnosticRules.upload(url: "https://fhir.example/r4", status: 401, tls: true, tokenSent: false)
        #expect(wanted.status == .failure && wanted.value.contains("none was sent"))
        #expect(wanted.fix?.contains("--upload-token-file") == true)
    }

    @Test func outboxAgeThresholds() {
        func status(_ age: TimeInterval?, held: Int = 0, upload: Bool = true) -> DiagnosticCheck.Status {
            DiagnosticRules.outbox(pending: 2, held: held, oldestUnsentAge: age, uploadConfigured: upload).status
        }
        #expect(status(nil) == .ok)
        #expect(status(3599) == .ok)
        #expect(status(3601) == .warning)
        #expect(status(24 * 3600 + 1) == .failure)
        #expect(status(60, held: 1) == .warning)
        #expect(status(48 * 3600, upload: false) == .ok)
        let check = DiagnosticRules.outbox(pending: 2, held: 1, oldestUnsentAge: 7300, uploadConfigured: true)
        #expect(check.value == "2 pending, 1 held, oldest unsent 2 h 1 min")
    }

    @Test func diskThresholds() {
        let mib: UInt64 = 1 << 20
        #expect(
            DiagnosticRules.disk(path: "/var/lib/vhr", freeBytes: 63 * mib, minimumMegabytes: 64).status == .failure)
        #expect(
            DiagnosticRules.disk(path: "/var/lib/vhr", freeBytes: 100 * mib, minimumMegabytes: 64).status == .warning)
        let ok = DiagnosticRules.disk(path: "/var/lib/vhr", freeBytes: 128 * mib, minimumMegabytes: 64)
        #expect(ok.status == .ok)
        #expect(ok.value == "128 MiB free for /var/lib/vhr (min-free-space 64 MiB)")
    }

    // MARK: Clock and runs

    @Test func anUnsynchronisedClockIsAWarningWithTheTimesyncFix() {
        let unsynced = DiagnosticRules.clock(synchronized: false, maxErrorMicroseconds: 16_000_000)
        #expect(unsynced.status == .warning)
        #expect(unsynced.fix?.contains("systemd-timesyncd") == true)
        let synced = DiagnosticRules.clock(synchronized: true, maxErrorMicroseconds: 12_500)
        #expect(synced.status == .ok)
        #expect(synced.value == "synchronised, maximum error 12 ms")
    }

    @Test func runsCountRestartsAndUncleanEnds() {
        let calm = DiagnosticRules.runs(
            summary: .init(starts: 2, unclean: 0, lastUnclean: nil), watchdog: .enabled(seconds: 30),
            daemonRunning: true)
        #expect(calm.status == .ok)
        #expect(calm.value == "watchdog enabled (30 s); 1 restart(s) in 24 h, 0 unclean")
        let crashed = DiagnosticRules.runs(
            summary: .init(starts: 3, unclean: 1, lastUnclean: Date(timeIntervalSince1970: 0)),
            watchdog: .enabled(seconds: 30), daemonRunning: true)
        #expect(crashed.status == .warning)
        #expect(crashed.fix?.contains("journalctl -u vhrd") == true)
        let looping = DiagnosticRules.runs(
            summary: .init(starts: 9, unclean: 3, lastUnclean: nil), watchdog: .daemonStopped, daemonRunning: false)
        #expect(looping.status == .failure)
        #expect(looping.details["restarts_24h"] == 9)
        let unwatched = DiagnosticRules.runs(
            summary: .init(starts: 1, unclean: 0, lastUnclean: nil), watchdog: .notConfigured, daemonRunning: true)
        #expect(unwatched.status == .warning)
        let fresh = DiagnosticRules.runs(summary: nil, watchdog: .notUnderSystemd, daemonRunning: true)
        #expect(fresh.status == .ok)
        #expect(fresh.value.hasPrefix("not under systemd (no watchdog); no run history yet"))
    }
}
