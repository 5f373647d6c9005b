import Foundation
import Testing
import VHRCore
import VHRSystem

@testable import VHRServices

/// A room without a stethoscope, handed the audio sockets by systemd: every client is refused
/// at once, never left waiting.
@Suite struct AbsentAudioServerTests {
    /// A listening socket made here and handed over, as systemd passes one.
    static func server(_ rig: AudioRig, role: AbsentAudioServer.Role) throws -> AbsentAudioServer {
        let path = rig.path("\(role.rawValue).sock")
        let listening = try UnixSocket.listen(path: path)
        try listening.setNonBlocking()
        let server = try AbsentAudioServer(
            role: role, path: path, inherited: listening, events: rig.events, logger: rig.logger)
        server.start()
        return server
    }

    @Test func aStreamClientGetsOneErrorFrameSayingWhyThenTheEnd() async throws {
        let rig = try AudioRig()
        defer { rig.finish() }
        let server = try Self.server(rig, role: .stream)
        defer { server.stop() }

        for _ in 0..<2 {  // every client, not only the first
            let client = try RawClient(path: rig.path("stream.sock"))
            let frame = try #require(try await client.frame(timeout: 30), "no frame from the stream socket")
            #expect(frame.header.type == .error)
            let said = try frame.jsonPayload()
            #expect(said["code"]?.stringValue == "no_stethoscope")
            #expect(said["message"]?.stringValue == AbsentAudioServer.refusal.message)
            #expect(said["hint"]?.stringValue?.contains("stethoscope") == true)
            #expect(try await client.waitForClose(timeout: 30), "the connection stayed open after the refusal")
        }
        #expect(rig.logs.records.contains { $0.message.contains("no stethoscope in this room") })
    }

    @Test func aStreamClientThatSendsARequestStillGetsTheRefusal() async throws {
        let rig = try AudioRig()
        defer { rig.finish() }
        let server = try Self.server(rig, role: .stream)
        defer { server.stop() }

        let client = try RawClient(path: rig.path("stream.sock"))
        do { try client.send("{\"latency_ms\": 200}\n") } catch { Issue.record("send: \(error)") }
        let frame = try #require(try await client.frame(timeout: 30))
        #expect(try frame.jsonPayload()["code"]?.stringValue == "no_stethoscope")
        #expect(try await client.waitForClose(timeout: 30))
    }

    @Test func aTapClientIsClosedWithoutAByteAndTheControlSocketIsTold() async throws {
        let rig = try AudioRig()
        defer { rig.finish() }
        let server = try Self.server(rig, role: .tap)
        defer { server.stop() }

        let client = try RawClient(path: rig.path("tap.sock"))
        #expect(try await client.waitForClose(timeout: 30), "the tap connection stayed open")
        #expect(try await client.fill(timeout: 0) { !$0.isEmpty } == false, "the tap sent bytes")
        let event = try await rig.event("tap.refused") { $0["code"] == "no_stethoscope" }
        #expect(event?["uid"] == .int(Int64(getuid())))
    }

    @Test func stoppingLeavesTheInheritedSocketFileForSystemd() async throws {
        let rig = try AudioRig()
        defer { rig.finish() }
        let server = try Self.server(rig, role: .stream)
        server.stop()
        #expect(FileManager.default.fileExists(atPath: rig.path("stream.sock")))
    }
}
