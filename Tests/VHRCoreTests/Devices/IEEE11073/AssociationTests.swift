import Testing
import VHRCore

@Suite struct AssociationTests {
    @Test func findsThe20601Offer() throws {
        guard case .associationRequest(let request) = try APDU.decode(BPVectors.vector("atmel.aarq").bytes) else {
            Issue.record("not an AARQ"); return
        }
        #expect(request.dataProtocols.map(\.id) == [dataProtocol20601])
        #expect(request.phd?.deviceConfigurationID == 0x4000)
        let other = AssociationRequest(
            associationVersion: 0x8000_0000, dataProtocols: [DataProtocol(id: 1, information: .other([9]))])
        #expect(other.phd == nil)
        #expect(try APDU.decode(APDU.associationRequest(other).encode()) == .associationRequest(other))
    }

    @Test func resultNamesFollowTheStandard() {
        #expect(AssociationResult.acceptedUnknownConfiguration.name == "accepted-unknown-config")
        #expect(AssociationResult.allCases.map(\.rawValue) == Array(0...8))
    }

    @Test func anUnknownResultIsRejected() {
        var bytes = BPVectors.vector("antidote.rx_aare_example_one").bytes
        bytes[5] = 9
        #expect(
            throws: IEEE11073Error(
                field: "APDU.AARE.result", offset: 4,
                kind: .invalidValue(expected: "an association result 0...8", found: "9"))
        ) {
            try APDU.decode(bytes)
        }
    }

    @Test func aRejectionWithoutInformationDecodes() throws {
        let reject = APDU.associationResponse(
            AssociationResponse(result: .rejectedNoCommonProtocol, dataProtocolID: 0, information: .other([])))
        #expect(try APDU.decode(reject.encode()) == reject)
    }
}
