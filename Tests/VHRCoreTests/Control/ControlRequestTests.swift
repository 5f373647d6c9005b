import Testing

@testable import VHRCore

@Suite struct ControlRequestTests {
    @Test func decodesARequest() throws {
        let request = try ControlRequest.decode(
            line: #"{"id": 7, "method": "visit.start", "params": {"patient": "p-1", "repeat": 2}}"#)
        #expect(request.id == .int(7))
        #expect(request.method == "visit.start")
        #expect(request.params == ["patient": "p-1", "repeat": 2])
    }

    @Test func acceptsStringIDsAndMissingOrNullParams() throws {
        let a = try ControlRequest.decode(line: #"{"id": "abc", "method": "status"}"#)
        #expect(a == ControlRequest(id: "abc", method: "status"))
        let b = try ControlRequest.decode(line: #"{"method": "status", "params": null, "id": 0, "extra": 1}"#)
        #expect(b == ControlRequest(id: 0, method: "status"))
    }

    @Test(arguments: [
        ("not json", ControlProtocolError.notJSON),
        ("", .notJSON),
        ("{\"id\": 1", .notJSON),
        ("[1, 2]", .notAnObject),
        ("42", .notAnObject),
        ("\"status\"", .notAnObject),
        (#"{"method": "status"}"#, .missingID),
        (#"{"id": 1.5, "method": "status"}"#, .badID(.double(1.5))),
        (#"{"id": null, "method": "status"}"#, .badID(.null)),
        (#"{"id": true, "method": "status"}"#, .badID(.bool(true))),
        (#"{"id": [1], "method": "status"}"#, .badID(.array([.int(1)]))),
        (#"{"id": 3}"#, .missingMethod(id: .int(3))),
        (#"{"id": 3, "method": 5}"#, .missingMethod(id: .int(3))),
        (#"{"id": "x", "method": ""}"#, .missingMethod(id: .string("x"))),
        (#"{"id": 4, "method": "status", "params": [1]}"#, .badParams(id: .int(4))),
        (#"{"id": 4, "method": "status", "params": "a"}"#, .badParams(id: .int(4))),
    ])
    func rejectsBadRequests(line: String, expected: ControlProtocolError) {
        #expect(throws: expected) { try ControlRequest.decode(line: line) }
    }

    @Test func decodesFramedResults() throws {
        #expect(
            try ControlRequest.decode(.line(#"{"id":1,"method":"ping"}"#), limit: 10) == .init(id: 1, method: "ping"))
        #expect(throws: ControlProtocolError.lineTooLong(length: 99, limit: 10)) {
            try ControlRequest.decode(.oversize(99), limit: 10)
        }
        #expect(throws: ControlProtocolError.invalidUTF8) { try ControlRequest.decode(.invalidUTF8, limit: 10) }
    }

    @Test func roundTripsThroughJSONLine() throws {
        let requests = [
            ControlRequest(id: 7, method: "visit.start", params: ["patient": "p-1", "n": ["a": [1, 2.5, nil]]]),
            ControlRequest(id: "req-9", method: "status"),
            ControlRequest(id: .int(Int64.max), method: "bp.start", params: ["note": "line\nbreak"]),
        ]
        for request in requests {
            let line = request.jsonLine()
            #expect(!line.contains("\n"))
            #expect(try ControlRequest.decode(line: line) == request)
        }
        #expect(ControlRequest(id: 1, method: "status").jsonLine() == #"{"id":1,"method":"status"}"#)
    }

    private struct StartParams: Decodable, Equatable {
        var patient: String
    }

    @Test func decodesParamsIntoAType() throws {
        let request = ControlRequest(id: 1, method: "visit.start", params: ["patient": "p-2"])
        #expect(try request.decodeParams(StartParams.self) == StartParams(patient: "p-2"))
        #expect(throws: (any Error).self) { try ControlRequest(id: 1, method: "x").decodeParams(StartParams.self) }
    }
}
