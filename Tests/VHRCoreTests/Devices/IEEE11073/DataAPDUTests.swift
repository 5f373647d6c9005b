import Testing
import VHRCore

@Suite struct DataAPDUTests {
    static let messages: [DataAPDU.Message] = [
        .get(objectHandle: 0, attributeIDs: [0x0984, 0x0987]),
        .set(
            objectHandle: 0, modifications: [.init(modifyOperator: 0, attribute: Attribute(id: 0x0987, value: [1]))],
            confirmed: true),
        .action(objectHandle: 0, actionType: Nomenclature.actionSetTime, arguments: [1, 2], confirmed: false),
        .getResult(objectHandle: 0, attributes: [Attribute(id: 0x0984, value: [0, 0])]),
        .setResult(objectHandle: 0, attributes: []),
        .actionResult(objectHandle: 0, actionType: Nomenclature.actionDataRequest, result: [3]),
        .error(value: 23, parameter: []),
        .reject(problem: 2),
    ]

    @Test(arguments: messages)
    func everyMessageRoundTripsWithItsInvokeID(_ message: DataAPDU.Message) throws {
        let apdu = APDU.presentation(DataAPDU(invokeID: 0xBEEF, message: message))
        #expect(try APDU.decode(apdu.encode()) == apdu)
    }

    @Test func anUnknownMessageChoiceIsRejected() {
        let bytes: [UInt8] = [0xE7, 0, 0, 8, 0, 6, 0x12, 0x34, 0x09, 0x99, 0, 0]
        #expect(
            throws: IEEE11073Error(field: "APDU.PRST.DataApdu.message.choice", offset: 8, kind: .unknownChoice(0x0999))
        ) {
            try APDU.decode(bytes)
        }
    }

    @Test func theMessageLengthMustFillTheOctetString() {
        // PRST length 8, DataApdu octet string 6, message length 1 (too short for a RORJ's problem).
        let bytes: [UInt8] = [0xE7, 0, 0, 8, 0, 6, 0x12, 0x34, 0x04, 0x00, 0, 1]
        #expect(throws: IEEE11073Error.self) { try APDU.decode(bytes) }
    }
}
