import Foundation
import Testing

@testable import VHRCore

@Suite struct SunTechResponseTests {
    @Test func allNineVectorsAreLoaded() {
        #expect(SunTechVector.all.count == 9)
        #expect(SunTechVector.all.filter { $0.direction == "module->host" }.count == 5)
    }

    @Test(arguments: SunTechVector.all.filter { $0.direction == "module->host" })
    func vector(_ vector: SunTechVector) throws {
        #expect(vector.bytes.reduce(0, &+) == vector.sumModulo256)
        switch vector.expected {
        case .string(let text) where text.hasPrefix("reject"):
            #expect(throws: Self.rejection(text, vector: vector)) { try SunTechResponse(bytes: vector.bytes) }
        case .string(let text):
            // "'K' acknowledgement …": the quoted letter.
            let letter = try #require(text.split(separator: "'").first?.utf8.first)
            #expect(
                try SunTechResponse(bytes: vector.bytes)
                    == .acknowledgement(try #require(SunTechAcknowledgement(rawValue: letter))))
        case .object(let fields):
            let response = try SunTechResponse(bytes: vector.bytes)
            if let pressure = fields["cuff_pressure_mmHg"]?.intValue {
                #expect(response == .cuffPressure(Int(pressure)))
            } else {
                guard case .result(let result) = response else {
                    Issue.record("\(vector.id) decoded as \(response), not a result")
                    return
                }
                #expect(Int64(result.systolic) == fields["systolic_mmHg"]?.intValue)
                #expect(Int64(result.diastolic) == fields["diastolic_mmHg"]?.intValue)
                #expect(Int64(result.meanArterial) == fields["map_mmHg"]?.intValue)
                #expect(Int64(result.heartRate) == fields["heart_rate_bpm"]?.intValue)
                #expect(Int64(result.beatsDetected) == fields["beats_detected"]?.intValue)
                #expect(Int64(result.status) == fields["bp_status"]?.intValue)
                #expect(Int64(result.errorCodeValue) == fields["error_code"]?.intValue)
                #expect(result.testCodes == VendorVectors.bytes(fields["test_codes"]?.stringValue ?? ""))
                #expect(result.isSuccessful)
            }
        default:
            Issue.record("\(vector.id) has no expectation this test understands")
        }
    }

    /// The precise error a "reject (…)" vector must produce, derived from its bytes.
    static func rejection(_ text: String, vector: SunTechVector) -> SunTechError {
        if text.contains("checksum") {
            let found = vector.bytes.last ?? 0
            // The frame sums to `sumModulo256` instead of 0, so the right checksum is that much lower.
            return .badChecksum(expected: found &- vector.sumModulo256, found: found)
        }
        return .invalidLength(vector.bytes[1])
    }

    @Test func resultBecomesAReading() throws {
        let vector = try #require(SunTechVector.all.first { $0.id == "suntech.resp.bp_data" })
        guard case .result(let result) = try SunTechResponse(bytes: vector.bytes) else {
            Issue.record("not a result")
            return
        }
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(
            try result.reading(measuredAt: when).get()
                == BloodPressureReading(systolic: 115, diastolic: 74, meanArterial: 88, pulse: 85, measuredAt: when))
    }

    @Test func failedResultCarriesTheErrorCode() throws {
        var payload = [UInt8](repeating: 0, count: 21)
        payload[18] = 87  // error code at frame offset 20
        guard case .result(let result) = SunTechResponse(frame: try SunTechFrame(payload: payload)) else {
            Issue.record("not a result")
            return
        }
        #expect(!result.isSuccessful)
        #expect(result.errorCode == .inflateTimeoutOrLooseCuff)
        let failure = SunTechMeasurementFailure(code: 87)
        #expect(result.reading(measuredAt: Date()) == .failure(failure))
        #expect(failure.cuffFailure == .cuffLoose)
        #expect(failure.description.contains("cuff is loose"))
        #expect(SunTechMeasurementFailure(code: 200).description.contains("not in the interface specification"))
    }

    @Test(arguments: SunTechErrorCode.allCases)
    func everyErrorCodeHasAMessage(_ code: SunTechErrorCode) {
        #expect(code.description.count > 20)
        #expect(SunTechErrorCode(rawValue: code.rawValue) == code)
    }

    @Test func errorCodesAreTheSpecificationsDecimalNumbers() {
        #expect(SunTechErrorCode.cuffOverpressure.rawValue == 89)
        #expect(SunTechErrorCode.cuffOverpressure.cuffFailure == .pressureTooHigh)
        #expect(SunTechErrorCode.terminatedByUser.cuffFailure == .aborted)
        #expect(SunTechErrorCode.powerOrHardwareFault.cuffFailure == nil)
        #expect(SunTechErrorCode(rawValue: 0x89) == nil)
    }

    @Test(arguments: SunTechAcknowledgement.allCases)
    func acknowledgementsDecode(_ acknowledgement: SunTechAcknowledgement) throws {
        let frame = try SunTechFrame(payload: [acknowledgement.rawValue])
        #expect(SunTechResponse(frame: frame) == .acknowledgement(acknowledgement))
    }

    @Test func unknownLetterAndOtherLengthsAreKeptRaw() throws {
        #expect(SunTechResponse(frame: try SunTechFrame(payload: [0x5A])) == .unknownAcknowledgement(0x5A))
        #expect(SunTechResponse(frame: try SunTechFrame(payload: [1, 2, 3])) == .other([1, 2, 3]))
    }

    @Test func frameRejectsEachDefectPrecisely() {
        #expect(throws: SunTechError.tooShort(1)) { try SunTechFrame(bytes: [0x3E]) }
        #expect(throws: SunTechError.badStartByte(0x3A)) { try SunTechFrame(bytes: [0x3A, 0x03, 0xC3]) }
        #expect(throws: SunTechError.invalidLength(0x44)) { try SunTechFrame(bytes: [0x3E, 0x44, 0x7E]) }
        #expect(throws: SunTechError.lengthMismatch(declared: 5, actual: 4)) {
            try SunTechFrame(bytes: [0x3E, 0x05, 0x02, 0x01])
        }
        #expect(throws: SunTechError.invalidLength(70)) { try SunTechFrame(payload: [UInt8](repeating: 0, count: 67)) }
    }
}
