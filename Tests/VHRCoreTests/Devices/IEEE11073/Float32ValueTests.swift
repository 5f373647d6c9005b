import Foundation
import Testing
import VHRCore

@Suite struct Float32ValueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var raw: UInt32
        var expected: JSONValue
        var testDescription: String { "0x" + Hex.doubleWord(raw) }
    }

    static let cases: [Case] = (BPVectors.load("sfloat-float.json")["float"]?.arrayValue ?? []).map { entry in
        Case(raw: UInt32(BPVectors.number(entry["uint32"]) ?? 0), expected: entry["value"] ?? .null)
    }

    @Test func allTwelveVectorsAreLoaded() {
        #expect(Self.cases.count == 12)
    }

    @Test(arguments: cases)
    func decodesTheVector(_ vector: Case) throws {
        var writer = MDERWriter()
        writer.u32(vector.raw)
        var reader = MDERReader(writer.bytes, path: "test")
        let value = try Float32Value.read(&reader, "value").value
        if let number = vector.expected.doubleValue {
            let double = try #require(value.double)
            #expect(abs(double - number) <= abs(number) * 1e-12, "\(double) vs \(number)")
        } else {
            let names: [String: NumericValue] = [
                "NaN": .notANumber, "NRes": .notAtThisResolution, "+INFINITY": .positiveInfinity,
                "-INFINITY": .negativeInfinity, "RESERVED": .reserved,
            ]
            #expect(value == names[vector.expected.stringValue ?? ""])
        }
    }

    @Test func antidoteFloatVectorDecodes() throws {
        let unit = BPVectors.load("antidote.json")["unit_vectors"]?["float_be"]?[0]
        var reader = MDERReader(BPVectors.bytes(unit?["bytes"]?.stringValue ?? ""), path: "test")
        let value = try #require(try Float32Value.read(&reader, "v").value.double)
        #expect(abs(value - 12.34567) < 1e-9)
    }

    @Test func specialPatternsAreNumbersAwayFromExponentZero() {
        #expect(Float32Value(raw: 0x017F_FFFF).value == .number(mantissa: 0x7F_FFFF, exponent: 1))
        #expect(Float32Value(raw: 0xFF80_0000).value == .number(mantissa: -0x80_0000, exponent: -1))
    }
}
