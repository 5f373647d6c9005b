import Testing

@testable import VHRCore

@Suite struct ControlProtocolErrorTests {
    static let all: [ControlProtocolError] = [
        .notJSON, .notAnObject, .missingID, .badID(.double(2.5)), .missingMethod(id: 3), .badParams(id: "x"),
        .lineTooLong(length: 70000, limit: 65536), .invalidUTF8, .badMessage("it has neither"),
    ]

    @Test func requestErrorsShowAWellFormedRequest() {
        for error in Self.all.prefix(6) {
            #expect(error.description.contains(#"{"id": 1, "method": "status", "params": {}}"#), "\(error)")
        }
        #expect(ControlProtocolError.badID(.double(2.5)).description.contains("2.5"))
        #expect(ControlProtocolError.lineTooLong(length: 70000, limit: 65536).description.contains("70000"))
    }

    @Test func codesAreDistinctSnakeCase() {
        let codes = Self.all.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" || $0.isNumber } })
    }

    @Test func carriesTheIDOnlyWhenItWasReadable() {
        #expect(ControlProtocolError.missingMethod(id: 3).id == .int(3))
        #expect(ControlProtocolError.badParams(id: "x").id == .string("x"))
        #expect(ControlProtocolError.badID(.double(2.5)).id == nil)
        #expect(ControlProtocolError.notJSON.id == nil)
    }

    @Test func becomesAFailureReply() {
        let reply = ControlReply(rejecting: .badParams(id: 4))
        #expect(reply.id == .int(4))
        guard case .failure(_, let error) = reply else {
            Issue.record("expected a failure reply")
            return
        }
        #expect(error.code == "bad_params")
        #expect(ControlReply(rejecting: .notJSON).jsonLine().hasPrefix(#"{"error":{"code":"not_json","#))
        #expect(ControlReply(rejecting: .notJSON).id == .null)
    }
}
