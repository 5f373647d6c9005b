import Testing

@testable import VHRCore

@Suite struct ControlMessageTests {
    @Test func decodesRepliesAndEvents() throws {
        #expect(
            try ControlMessage.decode(line: #"{"id":7,"ok":true,"result":{"a":1}}"#)
                == .reply(id: 7, .success(["a": 1])))
        #expect(try ControlMessage.decode(line: #"{"id":7,"ok":true}"#) == .reply(id: 7, .success(nil)))
        #expect(
            try ControlMessage.decode(line: #"{"id":"x","ok":false,"error":{"code":"c","message":"m","hint":"h"}}"#)
                == .reply(id: "x", .failure(RemoteError(code: "c", message: "m", hint: "h"))))
        #expect(
            try ControlMessage.decode(line: #"{"event":"hello","proto":1,"daemon":"vhrd/0.1"}"#)
                == .event(ControlEvent(name: "hello", fields: ["proto": 1, "daemon": "vhrd/0.1"])))
    }

    @Test(arguments: [
        ("nope", ControlProtocolError.notJSON),
        ("[]", .notAnObject),
        (#"{"id":1}"#, .badMessage(#"it has neither "event" nor "ok""#)),
        (#"{"event":3}"#, .badMessage(#""event" is not a string"#)),
        (#"{"id":1,"ok":"yes"}"#, .badMessage(#""ok" is not true or false"#)),
        (#"{"ok":true}"#, .badMessage(#"the reply has no "id""#)),
        (#"{"id":1,"ok":false}"#, .badMessage(#"the failure reply's "error" lacks a string "code" and "message""#)),
        (
            #"{"id":1,"ok":false,"error":{"code":"c"}}"#,
            .badMessage(#"the failure reply's "error" lacks a string "code" and "message""#)
        ),
        (
            #"{"id":1,"ok":false,"error":{"code":"c","message":"m","hint":5}}"#,
            .badMessage(#"the failure reply's "error" lacks a string "code" and "message""#)
        ),
    ])
    func rejectsMalformedMessages(line: String, expected: ControlProtocolError) {
        #expect(throws: expected) { try ControlMessage.decode(line: line) }
    }

    @Test func jsonLineRoundTrips() throws {
        let messages: [ControlMessage] = [
            .reply(id: 1, .success(["x": [1, 2]])),
            .reply(id: "q", .failure(RemoteError(code: "no_visit", message: "none"))),
            .event(ControlEvent(name: "bp.reading", fields: ["systolic": 120, "diastolic": 80])),
        ]
        for message in messages {
            #expect(try ControlMessage.decode(line: message.jsonLine()) == message)
        }
    }
}
