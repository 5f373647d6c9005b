import Foundation
import Testing
import VHRCore
import VHRServices

@Suite struct ControlServerTests {
    @Test func helloListsRolesAndMethods() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.controlPath)
        let hello = try #require(try await client.json())
        #expect(hello["event"] == "hello")
        #expect(hello["roles"] == ["kiosk", "clinician", "technician"])
        #expect(hello["methods"]?.arrayValue?.contains("measure.bp") == true)
        try await harness.stop()
    }

    @Test func garbageGetsAnErrorAndTheConnectionCarriesOn() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.controlPath)
        _ = try await client.json()
        for garbage in ["hello", "{}", "[1,2]", "{\"id\":3}", "{\"id\":[1],\"method\":\"ping\"}", "\u{1B}[2J"] {
            try client.send(garbage + "\n")
            let reply = try #require(try await client.json(), "no reply to \(garbage)")
            #expect(reply["ok"] == false)
            #expect(reply["error"]?["code"] == "bad_request", "\(garbage)")
        }
        // An id that could be read is echoed even when the request is bad.
        try client.send("{\"id\":3}\n")
        #expect(try await client.json()?["id"] == 3)
        try client.send("{\"id\":\"p\",\"method\":\"ping\"}\n")
        let pong = try #require(try await client.json())
        #expect(pong["id"] == "p" && pong["ok"] == true)
        try await harness.stop()
    }

    @Test func oversizeLineIsRefusedAndTheNextLineWorks() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.controlPath)
        _ = try await client.json()
        try client.send(String(repeating: "x", count: 200_000) + "\n{\"id\":1,\"method\":\"ping\"}\n")
        let refusal = try #require(try await client.json())
        #expect(refusal["error"]?["code"] == "line_too_long")
        let pong = try #require(try await client.json())
        #expect(pong["id"] == 1 && pong["ok"] == true)
        try await harness.stop()
    }

    @Test func endlessGarbageIsDisconnected() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.controlPath)
        _ = try await client.json()
        try client.send(String(repeating: "nonsense\n", count: 40))
        #expect(try await client.waitForClose())
        // The daemon is fine: a new client is served.
        let next = try RawClient(path: harness.controlPath)
        _ = try await next.json()
        try next.send("{\"id\":1,\"method\":\"ping\"}\n")
        #expect(try await next.json()?["ok"] == true)
        try await harness.stop()
    }

    @Test func unknownMethodAndMissingRole() async throws {
        let harness = try await DaemonHarness(
            config: """
                [access]
                technician = daemon-user
                kiosk = uid:3999999
                clinician = uid:3999999
                [device cuff]
                profile = simulated-bp-cuff
                """)
        let client = try RawClient(path: harness.controlPath)
        _ = try await client.json()
        try client.send("{\"id\":1,\"method\":\"launch.rocket\"}\n")
        #expect(try await client.json()?["error"]?["code"] == "unknown_method")
        try client.send("{\"id\":2,\"method\":\"visit.start\",\"params\":{\"visit\":\"v\",\"patient\":\"p\"}}\n")
        let forbidden = try #require(try await client.json())
        #expect(forbidden["error"]?["code"] == "forbidden")
        #expect(forbidden["error"]?["message"]?.stringValue?.contains("kiosk") == true)
        try await harness.stop()
    }

    @Test func clientWithoutARoleIsRefused() async throws {
        let harness = try await DaemonHarness(
            config: """
                [access]
                kiosk = uid:3999999
                clinician = uid:3999999
                technician = gid:3999999
                [device cuff]
                profile = simulated-bp-cuff
                [device stethoscope]
                profile = simulated-stethoscope
                """)
        let control = try RawClient(path: harness.controlPath)
        let refusal = try #require(try await control.json())
        #expect(refusal["event"] == "refused")
        #expect(refusal["error"]?["code"] == "no_role")
        #expect(refusal["error"]?["hint"]?.stringValue?.contains("vhrd.conf") == true)
        #expect(try await control.waitForClose())

        let stream = try RawClient(path: harness.streamPath)
        let frame = try #require(try await stream.frame())
        #expect(frame.header.type == .error)
        #expect(String(decoding: frame.payload, as: UTF8.self).contains("no_role"))
        #expect(try await stream.waitForClose())
        #expect(harness.logs.records.contains { $0.message.contains("refused") })
        try await harness.stop()
    }

    @Test func eventsFollowAMeasurement() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.controlPath)
        _ = try await client.json()
        try client.send("{\"id\":1,\"method\":\"events.subscribe\"}\n")
        #expect(try await client.json()?["ok"] == true)
        try client.send("{\"id\":2,\"method\":\"visit.start\",\"params\":{\"visit\":\"e1\",\"patient\":\"p-1\"}}\n")
        try client.send("{\"id\":3,\"method\":\"measure.bp\"}\n")
        var names: [String] = []
        var reply: JSONValue?
        while reply == nil, let message = try await client.json(timeout: 10) {
            if message["id"] == 3 {
                reply = message
            } else if let name = message["event"]?.stringValue {
                names.append(name)
            }
        }
        let measurement = try #require(reply?["result"]?["measurement"])
        #expect(measurement["visit"] == "e1")
        #expect(names.contains("visit.started"))
        #expect(names.contains("bp.started"))
        #expect(names.filter { $0 == "bp.pressure" }.count > 20)
        #expect(names.last == "bp.result")
        try await harness.stop()
    }
}
