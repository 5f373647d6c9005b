import Foundation
import Testing

@testable import VHRCore

@Suite struct JSONValueTests {
    @Test(arguments: [
        ("7", JSONValue.int(7)),
        ("-42", .int(-42)),
        ("9223372036854775807", .int(Int64.max)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("1.5", .double(1.5)),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("null", .null),
        (#""a\"b\\c\n""#, .string("a\"b\\c\n")),
        (#""\ud83d\ude00""#, .string("😀")),
        ("[1, 2.5, \"x\"]", .array([.int(1), .double(2.5), .string("x")])),
        (#"{"b": {"c": []}, "a": null}"#, .object(["a": .null, "b": .object(["c": .array([])])])),
    ])
    func parsesEachKind(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test func integersStayExactAndBooleansAreNotNumbers() throws {
        let value = try JSONValue(parsing: #"{"id": 9007199254740993, "flag": true, "one": 1}"#)
        #expect(value["id"] == .int(9_007_199_254_740_993))
        #expect(value["flag"] == .bool(true))
        #expect(value["one"] == .int(1))
    }

    @Test(arguments: ["", "{", "{\"a\":1} trailing", "NaN", "'single'", "01"])
    func rejectsWhatIsNotJSON(text: String) {
        #expect(throws: (any Error).self) { try JSONValue(parsing: text) }
    }

    @Test func jsonLineSortsKeysAndHasNoNewline() {
        let value: JSONValue = ["z": 1, "a": ["text": "two\nlines\r\t\u{01}\u{1F}", "n": nil], "m": [true, 2.5]]
        let line = value.jsonLine()
        #expect(line == #"{"a":{"n":null,"text":"two\nlines\r\t\u0001\u001f"},"m":[true,2.5],"z":1}"#)
        #expect(!line.contains("\n") && !line.contains("\r"))
    }

    @Test func jsonLineEscapesEveryControlCharacterAndKeepsUnicode() throws {
        let all = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init))) + "é😀\u{2028}\"\\/"
        let line = JSONValue.string(all).jsonLine()
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
        #expect(try JSONValue(parsing: line) == .string(all))
    }

    @Test(arguments: [0.1, -0.0, 1e20, 1e-7, 123_456.789, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude])
    func doublesRoundTrip(value: Double) throws {
        let parsed = try JSONValue(parsing: JSONValue.double(value).jsonLine())
        #expect(parsed.doubleValue == value)
    }

    @Test func nonFiniteDoublesPrintAsNull() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity)]).jsonLine() == "[null,null]")
    }

    @Test func roundTripsThroughJSONLine() throws {
        let value: JSONValue = [
            "id": .int(Int64.min), "s": "ü", "nested": [[1, [2]], ["k": ["v": false]]], "d": 0.25, "nil": nil,
        ]
        #expect(try JSONValue(parsing: value.jsonLine()) == value)
    }

    @Test func accessors() {
        let value: JSONValue = ["s": "x", "i": 3, "d": 1.5, "b": true, "o": ["k": 1], "a": [1, 2]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.intValue == 3)
        #expect(value["i"]?.doubleValue == 3)
        #expect(value["d"]?.doubleValue == 1.5)
        #expect(value["d"]?.intValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["o"]?.objectValue == ["k": .int(1)])
        #expect(value["a"]?.arrayValue == [.int(1), .int(2)])
        #expect(value["a"]?[1] == .int(2))
        #expect(value["a"]?[2] == nil)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value["s"]?.intValue == nil)
        #expect(JSONValue.null.isNull)
    }

    private struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double?
    }

    @Test func bridgesToAndFromCodableTypes() throws {
        let sample = Sample(name: "cuff", count: 3, ratio: 0.5)
        let value = try JSONValue(encoding: sample)
        #expect(value == ["name": "cuff", "count": 3, "ratio": 0.5])
        #expect(try value.decode(Sample.self) == sample)
        #expect(throws: DecodingError.self) { try JSONValue.object(["name": 1]).decode(Sample.self) }
    }

    @Test func isCodableInsideOtherTypes() throws {
        let data = try JSONEncoder().encode(["wrapped": JSONValue.array([1, "two", nil])])
        let back = try JSONDecoder().decode([String: JSONValue].self, from: data)
        #expect(back == ["wrapped": [1, "two", nil]])
    }
}
