import Testing

@testable import VHRCore

@Suite struct ControlEventTests {
    @Test func lineHasTheNameBesideTheFields() {
        let event = ControlEvent(name: "bp.pressure", fields: ["mmHg": 142, "phase": "inflating"])
        #expect(event.jsonLine() == #"{"event":"bp.pressure","mmHg":142,"phase":"inflating"}"#)
        #expect(event["mmHg"] == .int(142))
        #expect(ControlEvent(name: "hello").jsonLine() == #"{"event":"hello"}"#)
    }

    @Test func roundTripsThroughControlMessage() throws {
        let event = ControlEvent(
            name: "xrun", fields: ["client": "bridge", "dropped": 160, "sample_index": 123_456_789])
        #expect(try ControlMessage.decode(line: event.jsonLine()) == .event(event))
    }
}
