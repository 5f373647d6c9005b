import Foundation
import Testing

@testable import VHRCore

@Suite struct UploadOutcomeTests {
    private static func transactionResponse(_ statuses: [String], outcome: JSONValue? = nil) -> Data {
        let entries: [JSONValue] = statuses.map { status in
            var response: [String: JSONValue] = ["status": .string(status)]
            if let outcome { response["outcome"] = outcome }
            return ["response": .object(response)]
        }
        let bundle: JSONValue = ["resourceType": "Bundle", "type": "transaction-response", "entry": .array(entries)]
        return Data(bundle.jsonLine().utf8)
    }

    private static func operationOutcome(_ text: String) -> JSONValue {
        [
            "resourceType": "OperationOutcome",
            "issue": [["severity": "error", "code": "processing", "diagnostics": .string(text)]],
        ]
    }

    @Test(arguments: [
        (200, "delivered"), (201, "delivered"),
        (408, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (504, "retry"), (599, "retry"),
        (100, "retry"), (301, "retry"), (304, "retry"), (600, "retry"),
        (400, "held"), (401, "held"), (403, "held"), (404, "held"), (409, "held"), (410, "held"), (412, "held"),
        (413, "held"), (422, "held"), (499, "held"),
    ])
    func classifiesEveryStatusClass(status: Int, expected: String) {
        let body = (200...299).contains(status) ? Self.transactionResponse(["201 Created", "200 OK"]) : Data()
        let outcome = UploadOutcome(status: status, body: body, expectedEntries: 2)
        switch outcome {
        case .delivered: #expect(expected == "delivered")
        case .retry(let cause):
            #expect(expected == "retry")
            #expect(cause == .status(status))
        case .held(let reason):
            #expect(expected == "held")
            #expect(reason == UploadOutcome.HoldReason(status: status))
        }
    }

    @Test(arguments: [
        UploadOutcome.TransportFailure.nameResolution, .connectionRefused, .connectionLost, .networkUnreachable,
        .timedOut, .tls("certificate has expired"), .other("socket closed"),
    ])
    func everyTransportFailureIsRetried(failure: UploadOutcome.TransportFailure) {
        #expect(UploadOutcome(transportFailure: failure) == .retry(.transport(failure)))
    }

    @Test func aReplayAnsweredWithTwoHundredsIsDelivered() {
        let body = Self.transactionResponse(["200 OK", "200 OK", "200 OK"])
        #expect(UploadOutcome(status: 200, body: body, expectedEntries: 3) == .delivered)
    }

    @Test func aTwoHundredWhoseEntryCarriesAFourHundredIsHeldWithTheEntryAndDiagnostics() {
        let body = Self.transactionResponse(
            ["201 Created", "412 Precondition Failed"], outcome: Self.operationOutcome("matched 2 resources"))
        let outcome = UploadOutcome(status: 200, body: body, expectedEntries: 2)
        #expect(outcome == .held(.init(status: 412, entry: 1, diagnostics: "matched 2 resources")))
        #expect("\(outcome)".contains("more than one copy"))
        #expect("\(outcome)".contains("entry 1"))
    }

    @Test func aPermanentEntryFailureOutranksATransientOne() {
        let body = Self.transactionResponse(["503 Service Unavailable", "422 Unprocessable Entity"])
        #expect(UploadOutcome(status: 200, body: body, expectedEntries: 2) == .held(.init(status: 422, entry: 1)))
    }

    @Test(arguments: ["500 Internal Server Error", "429 Too Many Requests", "408"])
    func aTransientEntryStatusIsRetried(status: String) {
        let body = Self.transactionResponse(["201 Created", status])
        let code = Int(status.prefix(3))!
        #expect(
            UploadOutcome(status: 200, body: body, expectedEntries: 2) == .retry(.entryStatus(entry: 1, status: code)))
    }

    @Test(arguments: [
        ("<html>ok</html>", "not JSON"),
        (#"{"resourceType":"Bundle","type":"searchset","entry":[]}"#, "not a transaction-response"),
        (#"{"resourceType":"OperationOutcome"}"#, "not a transaction-response"),
        (
            #"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201"}}]}"#,
            "1 entries for the 2"
        ),
        (
            #"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{}},{"response":{"status":"201"}}]}"#,
            "entry 0 has no"
        ),
        (
            #"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"Created"}},{"response":{"status":"201"}}]}"#,
            "entry 0 has no"
        ),
    ])
    func aTwoHundredThatDoesNotConfirmEveryEntryIsRetried(body: String, why: String) {
        let outcome = UploadOutcome(status: 200, body: Data(body.utf8), expectedEntries: 2)
        guard case .retry(.unconfirmed(let text)) = outcome else {
            Issue.record("expected an unconfirmed retry, got \(outcome)")
            return
        }
        #expect(text.contains(why))
    }

    @Test func aFourHundredCarriesTheServersDiagnostics() {
        let body = Data(
            Self.operationOutcome("Transaction rolled back: Patient?identifier matched nothing").jsonLine().utf8)
        let outcome = UploadOutcome(status: 404, body: body, expectedEntries: 2)
        #expect(
            outcome
                == .held(.init(status: 404, diagnostics: "Transaction rolled back: Patient?identifier matched nothing"))
        )
        #expect("\(outcome)".contains("unknown patient"))
    }

    @Test(arguments: [400, 401, 403, 404, 409, 412, 413, 418, 422])
    func everyHoldReasonSaysToReQueue(status: Int) {
        let text = UploadOutcome.HoldReason(status: status).description
        #expect(text.hasPrefix("HTTP \(status) for the bundle: "))
        #expect(text.hasSuffix("re-queue"))
    }
}
