import Foundation
import Testing
import VHRCore
import VHRSystem

/// The whole room, end to end, through the real binaries.
@Suite(.serialized) struct SimulatedRoomTests {
    static let patient = "19121212-1212"

    static var recordingURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Sources/VHRDevices/Simulated/Recordings/physionet2016_c0003_normal.wav")
    }

    @Test func aVisitWithAMeasurementAndHeartSounds() async throws {
        let room = try await RoomProcess(arguments: [
            "--sim-time-scale", "40", "--sim-seed", "7", "--sim-fault-rate", "0",
        ])

        let start = try await room.vhrctl(
            "--json", "visit", "start", "--visit", "it-visit-1", "--patient", Self.patient)
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.json?["visit"] as? String == "it-visit-1")

        let began = Date()
        let measure = try await room.vhrctl("--json", "measure", "bp")
        #expect(measure.status == 0, "\(measure.stderr)")
        let measurement = try #require(measure.json?["measurement"] as? [String: Any])
        let systolic = try #require(measurement["systolic"] as? Int)
        let diastolic = try #require(measurement["diastolic"] as? Int)
        let map = try #require(measurement["map"] as? Int)
        let pulse = try #require(measurement["pulse"] as? Int)
        #expect((80...200).contains(systolic) && (40...130).contains(diastolic) && (35...140).contains(pulse))
        #expect(systolic > map && map > diastolic)
        #expect(measurement["visit"] as? String == "it-visit-1")
        // A real cuff takes tens of seconds; at 40x the whole cycle fits in a couple of seconds.
        #expect(Date().timeIntervalSince(began) < 5)

        // 3 s of the stream must be exactly the recording, in order, without gap or duplicate.
        let raw = room.root.appendingPathComponent("listen.raw")
        let listen = try await room.vhrctl("listen", "--seconds", "3", "--format", "raw", "--output", raw.path)
        #expect(listen.status == 0, "\(listen.stderr)")
        let recording = try WAVFile(bytes: [UInt8](Data(contentsOf: Self.recordingURL)))
        let received = try Data(contentsOf: raw).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(received.count == 3 * recording.format.sampleRate)
        let offset = try #require(Self.offset(of: received, in: recording.samples), "stream is not the recording")
        let mismatches = received.indices.filter {
            received[$0] != recording.samples[(offset + $0) % recording.samples.count]
        }
        #expect(mismatches.isEmpty, "first mismatch at sample \(mismatches.first ?? -1)")

        // The WAV form is a valid file of the same stream.
        let wav = room.root.appendingPathComponent("listen.wav")
        let listenWAV = try await room.vhrctl("listen", "--seconds", "1", "--format", "wav", "--output", wav.path)
        #expect(listenWAV.status == 0, "\(listenWAV.stderr)")
        let parsed = try WAVFile(bytes: [UInt8](Data(contentsOf: wav)))
        #expect(parsed.format == recording.format)
        #expect(parsed.samples.count == recording.format.sampleRate)

        let readings = try await room.vhrctl("--json", "readings")
        #expect((readings.json?["measurements"] as? [Any])?.count == 1)

        let end = try await room.vhrctl("--json", "visit", "end")
        #expect(end.status == 0, "\(end.stderr)")
        #expect(end.json?["measurements"] as? Int == 1)

        // The next patient sees nothing of the last one.
        let after = try await room.vhrctl("--json", "readings")
        #expect((after.json?["measurements"] as? [Any])?.isEmpty == true)
        #expect(after.json?["visit"] is NSNull)
        let refused = try await room.vhrctl("measure", "bp")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no_visit"))

        #expect(try await room.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: room.runtimeDirectory + "/control.sock"))
        #expect(!room.stderr.contains(Self.patient), "a patient identifier reached the log")
        #expect(room.stderr.contains("<5>vhrd ready"))
    }

    @Test func statusAndDevicesForScripts() async throws {
        let room = try await RoomProcess()
        let status = try await room.vhrctl("--json", "status")
        #expect(status.status == 0)
        #expect(status.json?["visit"] is NSNull)
        let devices = try await room.vhrctl("--json", "devices")
        let list = try #require(devices.json?["devices"] as? [[String: Any]])
        #expect(Set(list.compactMap { $0["kind"] as? String }) == ["bp-cuff", "stethoscope"])
        // What is plugged in: this machine's own serial ports and USB bus at least answer.
        let hardware = try await room.vhrctl("--json", "hardware")
        #expect(hardware.status == 0, "\(hardware.stderr)")
        let items = try #require(hardware.json?["items"] as? [[String: Any]])
        #expect(items.allSatisfy { ["usb", "serial", "alsa"].contains($0["kind"] as? String ?? "") })
        let human = try await room.vhrctl("devices")
        #expect(String(decoding: human.stdout, as: UTF8.self).contains("simulated-bp-cuff"))
        #expect(try await room.stop() == 0)
    }

    /// The outbox seen by the kiosk and the technician: a saved measurement waits for upload; one
    /// the server refused is held with its reason until a technician queues it again.
    @Test func theQueueShowsWhatWaitsAndWhatIsHeld() async throws {
        let first = try await RoomProcess(arguments: [
            "--sim-time-scale", "40", "--sim-seed", "3", "--sim-fault-rate", "0",
        ])
        #expect(try await first.vhrctl("visit", "start", "--visit", "it-q", "--patient", Self.patient).status == 0)
        let measured = try await first.vhrctl("--json", "measure", "bp")
        let id = try #require((measured.json?["measurement"] as? [String: Any])?["id"] as? String, "\(measured.stderr)")
        let queue = try await first.vhrctl("--json", "queue")
        #expect(queue.status == 0, "\(queue.stderr)")
        #expect(queue.json?["pending"] as? Int == 1)
        #expect(queue.json?["held"] as? Int == 0)
        #expect(queue.json?["oldest_unsent_age_s"] is Int)
        let status = try await first.vhrctl("--json", "status")
        #expect((status.json?["outbox"] as? [String: Any])?["pending"] as? Int == 1)
        #expect(try await first.stop() == 0)

        // What the uploader does with a 4xx: the delivery row is held with the server's reason.
        do {
            let database = try SQLiteDatabase(path: first.stateDirectory + "/vhr.sqlite", create: false)
            try database.execute(
                "UPDATE deliveries SET state = 'held', held_reason = 'HTTP 422: unknown patient', held_at = 0 "
                    + "WHERE measurement_id = '\(id)'")
        }

        let room = try await RoomProcess.restart(of: first)
        let held = try await room.vhrctl("--json", "queue")
        #expect(held.json?["pending"] as? Int == 0)
        let items = held.json?["held_items"] as? [[String: Any]] ?? []
        #expect(items.map { $0["id"] as? String } == [id])
        #expect(items.first?["reason"] as? String == "HTTP 422: unknown patient")
        let human = String(decoding: try await room.vhrctl("queue").stdout, as: UTF8.self)
        #expect(human.contains("held \(id): HTTP 422: unknown patient"), "\(human)")
        let exported = try await room.vhrctl("queue", "export")
        #expect(exported.status == 0, "\(exported.stderr)")
        let heldExport = try #require(exported.json?["held"] as? [[String: Any]])
        #expect(heldExport.map { $0["reason"] as? String } == ["HTTP 422: unknown patient"])
        let exportedMeasurement = heldExport.first?["measurement"] as? [String: Any]
        #expect(exportedMeasurement?["id"] as? String == id)
        #expect(exportedMeasurement?["visit"] as? String == "it-q")
        #expect(try await room.vhrctl("queue", "retry", "no-such-id").status == 1)
        let retried = try await room.vhrctl("--json", "queue", "retry", id)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.json?["released"] as? [String] == [id])
        let after = try await room.vhrctl("--json", "queue")
        #expect(after.json?["pending"] as? Int == 1)
        #expect(after.json?["held"] as? Int == 0)
        #expect(try await room.stop() == 0)
    }

    @Test func runsUnprivileged() async throws {
        let room = try await RoomProcess(
            arguments: ["--sim-time-scale", "40", "--sim-fault-rate", "0"], unprivileged: true)
        let owner =
            try FileManager.default.attributesOfItem(atPath: room.runtimeDirectory + "/control.sock")[
                .ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value != 0, "vhrd ran as root")
        #expect(try await room.vhrctl("visit", "start", "--visit", "it-u", "--patient", Self.patient).status == 0)
        let measure = try await room.vhrctl("--json", "measure", "bp")
        #expect(measure.status == 0, "\(measure.stderr)")
        #expect(try await room.stop() == 0)
    }

    @Test func vhrctlExitCodes() async throws {
        let missing = try await RoomProcess.run(
            try RoomProcess.executable("vhrctl"), ["--runtime-dir", "/nonexistent/vhr", "status"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("vhrd"))
        let usage = try await RoomProcess.run(try RoomProcess.executable("vhrctl"), ["frobnicate"])
        #expect(usage.status == 2)
    }

    @Test func measurementFailureIsReported() async throws {
        let room = try await RoomProcess(arguments: ["--sim-time-scale", "40", "--sim-fault", "cuff-loose"])
        #expect(try await room.vhrctl("visit", "start", "--visit", "it-2", "--patient", Self.patient).status == 0)
        let measure = try await room.vhrctl("measure", "bp")
        #expect(measure.status == 1)
        #expect(measure.stderr.contains("cuff_loose"))
        #expect(try await room.stop() == 0)
    }

    @Test func stateSurvivesARestart() async throws {
        let first = try await RoomProcess(arguments: ["--sim-time-scale", "40", "--sim-fault-rate", "0"])
        #expect(try await first.vhrctl("visit", "start", "--visit", "it-3", "--patient", Self.patient).status == 0)
        #expect(try await first.vhrctl("measure", "bp").status == 0)
        #expect(try await first.stop() == 0)
        // A second daemon on the same directories continues the visit with its measurement.
        let second = try await RoomProcess.restart(of: first)
        let readings = try await second.vhrctl("--json", "readings")
        #expect(readings.json?["visit"] as? String == "it-3")
        #expect((readings.json?["measurements"] as? [Any])?.count == 1)
        #expect(try await second.stop() == 0)
    }

    @Test func aSecondDaemonOnTheSameStateDirectoryRefusesToStart() async throws {
        let first = try await RoomProcess()
        let second = try await RoomProcess.run(
            try RoomProcess.executable("vhrd"),
            [
                "--simulate", "--runtime-dir", first.root.appendingPathComponent("run2").path, "--state-dir",
                first.stateDirectory,
            ])
        #expect(second.status == 1)
        #expect(
            second.stderr.contains("another vhrd (pid \(first.daemon.processIdentifier)) is using"), "\(second.stderr)")
        // The first one is unharmed.
        #expect(try await first.vhrctl("status").status == 0)
        #expect(try await first.stop() == 0)
    }

    @Test func aNearlyFullDiskRefusesTheMeasurementLoudly() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let config = root.appendingPathComponent("vhrd.conf")
        // A reserve larger than any disk here: the real statvfs reading is "nearly full".
        try """
        [room]
        min-free-space = 1048576
        [device cuff]
        profile = simulated-bp-cuff
        time-scale = 40
        fault-rate = 0
        [device stethoscope]
        profile = simulated-stethoscope
        source = synthetic
        """.write(to: config, atomically: true, encoding: .utf8)
        let room = try await RoomProcess(arguments: ["--config", config.path], reusing: root, simulate: false)
        #expect(try await room.vhrctl("visit", "start", "--visit", "it-full", "--patient", Self.patient).status == 0)
        let measure = try await room.vhrctl("measure", "bp")
        #expect(measure.status == 1)
        #expect(
            measure.stderr.contains("disk_full") && measure.stderr.contains("1048576 MiB kept in reserve"),
            "\(measure.stderr)")
        #expect(room.stderr.contains("disk nearly full: refusing new measurements"))
        let status = try await room.vhrctl("status")
        #expect(String(decoding: status.stdout, as: UTF8.self).contains("ALARM     only "))
        #expect(try await room.stop() == 0)
    }

    /// Where `received` starts in `recording` (which the stethoscope loops).
    static func offset(of received: [Int16], in recording: [Int16]) -> Int? {
        let probe = Array(received.prefix(64))
        return recording.indices.first { start in
            probe.indices.allSatisfy { probe[$0] == recording[(start + $0) % recording.count] }
        }
    }
}
