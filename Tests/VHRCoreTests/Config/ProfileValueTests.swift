import Foundation
import Testing
import VHRCore

@Suite struct ProfileValueTests {
    private struct Box: Codable, Equatable {
        var value: ProfileValue
    }

    @Test(arguments: [
        ("true", ProfileValue.bool(true)), ("false", .bool(false)), ("0", .number(0)), ("1", .number(1)),
        ("-2.5", .number(-2.5)), ("1e3", .number(1000)), ("\"1\"", .string("1")), ("\"true\"", .string("true")),
    ])
    func decodesNumbersStringsAndBooleansApart(json: String, expected: ProfileValue) throws {
        let box = try JSONDecoder().decode(Box.self, from: Data("{\"value\": \(json)}".utf8))
        #expect(box.value == expected)
        let again = try JSONDecoder().decode(Box.self, from: JSONEncoder().encode(box))
        #expect(again == box)
    }

    @Test func typedAccessorsAnswerOnlyForTheirType() {
        #expect(ProfileValue.number(3).int == 3)
        #expect(ProfileValue.number(3).double == 3)
        #expect(ProfileValue.number(3.5).int == nil)
        #expect(ProfileValue.number(1e300).int == nil)
        #expect(ProfileValue.string("3").int == nil)
        #expect(ProfileValue.string("3").string == "3")
        #expect(ProfileValue.bool(true).bool == true)
        #expect(ProfileValue.bool(true).double == nil)
        #expect(ProfileValue.number(1).bool == nil)
    }

    @Test func describesItselfAsJSON() {
        #expect(ProfileValue.number(300).description == "300")
        #expect(ProfileValue.number(0.25).description == "0.25")
        #expect(ProfileValue.string("a").description == "\"a\"")
        #expect(ProfileValue.bool(false).description == "false")
    }
}
