import Foundation
import Testing
import VHRCore
import VHRServices
import VHRSystem

@Suite struct StreamServerTests {
    /// Reads audio frames until `samples` have arrived, checking they are contiguous.
    static func readContiguous(_ client: RawClient, samples: Int) async throws -> (first: UInt64, count: Int) {
        var first: UInt64?
        var next: UInt64 = 0
        var count = 0
        while count < samples {
            let frame = try #require(try await client.frame(), "stream ended after \(count) samples")
            guard frame.header.type == .audio else { continue }
            if let _ = first {
                #expect(frame.header.sampleIndex == next, "gap or duplicate")
                #expect(frame.header.dropped == 0)
            } else {
                first = frame.header.sampleIndex
            }
            next = frame.header.sampleIndex + UInt64(frame.payload.count / 2)
            count += frame.payload.count / 2
        }
        return (first ?? 0, count)
    }

    @Test func helloThenContiguousAudio() async throws {
        let harness = try await DaemonHarness()
        let client = try RawClient(path: harness.streamPath)
        let hello = try #require(try await client.frame())
        #expect(hello.header.type == .hello)
        let greeting = try hello.hello()
        #expect(greeting.rate == 2000 && greeting.channels == 1 && greeting.format == "S16LE")
        let (first, count) = try await Self.readContiguous(client, samples: 1000)
        #expect(first >= greeting.startIndex)
        #expect(count >= 1000)
        try await harness.stop()
    }

    @Test func aListenerLeavingMidStreamDoesNotDisturbTheOthers() async throws {
        let harness = try await DaemonHarness()
        let leaving = try RawClient(path: harness.streamPath)
        let staying = try RawClient(path: harness.streamPath)
        _ = try await leaving.frame()
        _ = try await staying.frame()
        _ = try await Self.readContiguous(leaving, samples: 200)
        // Leave in the middle of a frame's worth of unread data.
        leaving.close()
        let (_, count) = try await Self.readContiguous(staying, samples: 2000)
        #expect(count >= 2000)
        try await harness.stop()
    }

    @Test func aStalledListenerDoesNotDisturbAHealthyOne() async throws {
        let harness = try await DaemonHarness()
        let stalled = try RawClient(path: harness.streamPath)
        _ = stalled  // connected, never read
        let healthy = try RawClient(path: harness.streamPath)
        _ = try await healthy.frame()
        let started = Date()
        let (_, count) = try await Self.readContiguous(healthy, samples: 3000)
        #expect(count >= 3000)
        // 1.5 s of audio arrives in about real time despite the stalled neighbour.
        #expect(Date().timeIntervalSince(started) < 2.5)
        try await harness.stop()
    }

    @Test func endingTheVisitClosesListeners() async throws {
        let harness = try await DaemonHarness()
        let control = try RawClient(path: harness.controlPath)
        _ = try await control.json()
        try control.send("{\"id\":1,\"method\":\"visit.start\",\"params\":{\"visit\":\"s1\",\"patient\":\"p\"}}\n")
        #expect(try await control.json()?["ok"] == true)
        let listener = try RawClient(path: harness.streamPath)
        let hello = try #require(try await listener.frame())
        let firstStream = try hello.hello().streamID
        _ = try await Self.readContiguous(listener, samples: 100)
        try control.send("{\"id\":2,\"method\":\"visit.end\"}\n")
        #expect(try await control.json()?["ok"] == true)
        var last: StreamFrame?
        while let frame = try await listener.frame(), frame.header.type != .error { last = frame }
        _ = last
        #expect(try await listener.waitForClose())
        // The next listener is on a new stream.
        let next = try RawClient(path: harness.streamPath)
        let nextHello = try #require(try await next.frame())
        #expect(try nextHello.hello().streamID != firstStream)
        try await harness.stop()
    }

    @Test func aTechnicianCannotListenDuringAVisit() async throws {
        let harness = try await DaemonHarness(
            config: """
                [access]
                kiosk = daemon-user
                technician = daemon-user
                clinician = uid:3999999
                [device cuff]
                profile = simulated-bp-cuff
                [device stethoscope]
                profile = simulated-stethoscope
                """)
        // Between visits the technician may check the stethoscope.
        let before = try RawClient(path: harness.streamPath)
        #expect(try await before.frame()?.header.type == .hello)
        let control = try RawClient(path: harness.controlPath)
        _ = try await control.json()
        try control.send("{\"id\":1,\"method\":\"visit.start\",\"params\":{\"visit\":\"t1\",\"patient\":\"p\"}}\n")
        #expect(try await control.json()?["ok"] == true)
        let during = try RawClient(path: harness.streamPath)
        let refusal = try #require(try await during.frame())
        #expect(refusal.header.type == .error)
        #expect(String(decoding: refusal.payload, as: UTF8.self).contains("forbidden"))
        try await harness.stop()
    }
}
