import Testing

@testable import VHRCore

@Suite struct ControlReplyTests {
    @Test func successLine() {
        let reply = ControlReply.success(id: 7, result: ["visit": "v-1"])
        #expect(reply.jsonLine() == #"{"id":7,"ok":true,"result":{"visit":"v-1"}}"#)
        #expect(reply.result == .success(["visit": "v-1"]))
    }

    @Test func failureLine() {
        let error = RemoteError(code: "no_visit", message: "no visit is open", hint: "start one with visit.start")
        let reply = ControlReply.failure(id: "a", error: error)
        #expect(
            reply.jsonLine()
                == #"{"error":{"code":"no_visit","hint":"start one with visit.start","message":"no visit is open"},"id":"a","ok":false}"#
        )
        #expect(reply.result == .failure(error))
        let noHint = ControlReply.failure(id: nil, error: RemoteError(code: "c", message: "m"))
        #expect(noHint.jsonLine() == #"{"error":{"code":"c","message":"m"},"id":null,"ok":false}"#)
    }

    @Test func roundTripsThroughControlMessage() throws {
        let replies: [ControlReply] = [
            .success(id: 1, result: nil),
            .success(id: "s", result: [1, ["k": "v"]]),
            .failure(id: 2, error: RemoteError(code: "busy", message: "a measurement is running", hint: "wait")),
            .failure(id: nil, error: RemoteError(code: "not_json", message: "…")),
        ]
        for reply in replies {
            #expect(try ControlMessage.decode(line: reply.jsonLine()) == .reply(id: reply.id, reply.result))
        }
    }
}
