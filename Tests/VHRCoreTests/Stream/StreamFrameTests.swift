import Testing

@testable import VHRCore

@Suite struct StreamFrameTests {
    @Test func payloadLengthFollowsThePayload() {
        let frame = StreamFrame(
            header: StreamFrameHeader(type: .audio, seq: 1, payloadLength: 999, sampleRate: 4000),
            payload: [1, 0, 2, 0])
        #expect(frame.header.payloadLength == 4)
        #expect(frame.encoded().count == 52)
        #expect(Array(frame.encoded()[16..<20]) == [4, 0, 0, 0])
        #expect(frame.samples == [1, 2])
    }

    @Test func samplesAreLittleEndianSigned() {
        let frame = StreamFrame(
            header: StreamFrameHeader(type: .audio, seq: 0, sampleRate: 4000),
            payload: [0xFF, 0x7F, 0x00, 0x80, 0xFE, 0xFF])
        #expect(frame.samples == [Int16.max, Int16.min, -2])
    }

    @Test func jsonAccessorsRefuseTheWrongFrames() throws {
        let audio = StreamFrame(header: StreamFrameHeader(type: .audio, seq: 0, sampleRate: 4000), payload: [0, 0])
        #expect(throws: StreamFrameError.badJSONPayload(.audio)) { try audio.jsonPayload() }
        #expect(throws: StreamFrameError.badJSONPayload(.audio)) { try audio.hello() }
        let event = StreamFrame(header: StreamFrameHeader(type: .event, seq: 0, sampleRate: 4000), json: ["event": "x"])
        #expect(throws: StreamFrameError.badJSONPayload(.event)) { try event.hello() }
        #expect(throws: StreamFrameError.badJSONPayload(.event)) { try event.error() }
        #expect(try event.event() == ControlEvent(name: "x"))
        let garbage = StreamFrame(header: StreamFrameHeader(type: .hello, seq: 0, sampleRate: 4000), payload: [0x7B])
        #expect(throws: StreamFrameError.badJSONPayload(.hello)) { try garbage.jsonPayload() }
        let notObject = StreamFrame(header: StreamFrameHeader(type: .error, seq: 0, sampleRate: 4000), json: [1])
        #expect(throws: StreamFrameError.badJSONPayload(.error)) { try notObject.error() }
    }

    @Test func typesKnowTheirPayloads() {
        #expect(StreamFrameType.allCases.map(\.rawValue) == [1, 2, 3, 4, 5, 6])
        #expect(StreamFrameType.allCases.filter(\.carriesJSON) == [.hello, .event, .error])
        #expect(StreamFrameType.allCases.filter(\.isEmpty) == [.gap, .keepalive])
        #expect(
            StreamFrameType.allCases.map(\.description) == ["HELLO", "AUDIO", "GAP", "EVENT", "KEEPALIVE", "ERROR"])
    }

    @Test func flagBitsMatchTheProtocol() {
        let flags: [StreamFrameFlags] = [.discontinuity, .clipped, .formatChanged, .noContact, .deviceFilterChanged]
        #expect(flags.map(\.rawValue) == [1, 2, 4, 8, 16])
    }
}
