import Foundation
import Testing
import VHRCore

@Suite struct SFloatTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var raw: UInt16
        var expected: JSONValue
        var testDescription: String { "0x" + Hex.word(raw) }
    }

    static let cases: [Case] = (BPVectors.load("sfloat-float.json")["sfloat"]?.arrayValue ?? []).map { entry in
        Case(raw: UInt16(BPVectors.number(entry["uint16"]) ?? 0), expected: entry["value"] ?? .null)
    }

    @Test func allFortyNineVectorsAreLoaded() {
        #expect(Self.cases.count == 49)
    }

    @Test(arguments: cases)
    func decodesTheVector(_ vector: Case) throws {
        // Big-endian bytes through the reader, as MDER sends them.
        var reader = MDERReader([UInt8(vector.raw >> 8), UInt8(vector.raw & 0xFF)], path: "test")
        let value = try SFloat.read(&reader, "value").value
        try reader.finish()
        if let number = vector.expected.doubleValue {
            let double = try #require(value.double)
            #expect(abs(double - number) <= abs(number) * 1e-12, "\(double) vs \(number)")
        } else {
            let names: [String: NumericValue] = [
                "NaN": .notANumber, "NRes": .notAtThisResolution, "+INFINITY": .positiveInfinity,
                "-INFINITY": .negativeInfinity, "RESERVED": .reserved,
            ]
            #expect(value == names[vector.expected.stringValue ?? ""])
            #expect(value.double == nil)
        }
    }

    @Test func specialPatternsAreNumbersAwayFromExponentZero() {
        #expect(SFloat(raw: 0xF7FF).value == .number(mantissa: 2047, exponent: -1))
        #expect(SFloat(raw: 0xF800).value == .number(mantissa: -2048, exponent: -1))
        #expect(SFloat(raw: 0x07FF).value == .notANumber)
    }

    @Test func theFreescaleUnitVectorsDecode() throws {
        for entry in BPVectors.load("freescale-phdc-bpm.json")["extra_unit_vectors_from_same_file"]?.arrayValue ?? []
        where entry["type"]?.stringValue == "SFLOAT_be" {
            var reader = MDERReader(BPVectors.bytes(entry["bytes"]?.stringValue ?? ""), path: "test")
            #expect(try SFloat.read(&reader, "v").value.double == entry["value"]?.doubleValue)
        }
    }

    @Test func aTruncatedSFloatThrows() {
        var reader = MDERReader([0xF2], path: "test")
        #expect(throws: IEEE11073Error(field: "test.value", offset: 0, kind: .truncated(needed: 2, available: 1))) {
            try SFloat.read(&reader, "value")
        }
    }
}
