import Testing
import VHRCore

@Suite struct IEEE11073ErrorTests {
    @Test func saysWhichFieldWhereAndExpectedAgainstFound() {
        let error = IEEE11073Error(field: "APDU.length", offset: 2, kind: .lengthMismatch(declared: 148, actual: 154))
        #expect(
            error.description == "APDU.length at offset 2: length mismatch: expected 148 bytes as declared, found 154")
        #expect(!error.isTruncation)
        let truncated = IEEE11073Error(field: "APDU.choice", offset: 0, kind: .truncated(needed: 2, available: 1))
        #expect(truncated.description == "APDU.choice at offset 0: truncated: expected 2 bytes, found 1")
        #expect(truncated.isTruncation)
    }
}
