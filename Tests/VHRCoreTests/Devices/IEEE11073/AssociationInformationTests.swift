import Testing
import VHRCore

@Suite struct AssociationInformationTests {
    @Test func theManagersAnswerMatchesTheStandardExample() throws {
        let expected = try APDU.decode(BPVectors.vector("antidote.rx_aare_example_one").bytes)
        let ours = APDU.associationResponse(
            AssociationResponse(
                result: .accepted, dataProtocolID: dataProtocol20601,
                information: .phd(.manager(systemID: BPVectors.bytes("88 77 66 55 44 33 22 11")))))
        #expect(ours == expected)
        #expect(ours.encode() == BPVectors.vector("antidote.rx_aare_example_one").bytes)
    }

    @Test func readsTheDataRequestCapabilities() throws {
        guard
            case .associationRequest(let request) = try APDU.decode(
                BPVectors.vector("antidote.H211_ID_02BC.aarq").bytes),
            let phd = request.phd
        else { Issue.record("not an AARQ"); return }
        #expect(phd.dataRequestModeFlags == 0x8480)
        #expect(phd.dataRequestInitAgentCount == 1 && phd.dataRequestInitManagerCount == 1)
        #expect(phd.systemType == 0x0080_0000)
        #expect(phd.options.isEmpty)
    }
}
