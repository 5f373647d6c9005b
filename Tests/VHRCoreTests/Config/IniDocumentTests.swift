import Testing
import VHRCore

@Suite struct IniDocumentTests {
    @Test func readsSectionsEntriesAndLineNumbers() throws {
        let text = """
            # comment
            ; another comment

            [room]
              name   =  room 3  \t
            runtime-dir=/run/vhr
            [device  cuff ]
            profile = simulated-bp-cuff
            url = https://a/b#c=d
            """
        let document = try IniDocument.parse(text, file: "a.conf")
        #expect(
            document.sections == [
                .init(
                    name: "room", argument: nil, line: 4,
                    entries: [
                        .init(key: "name", value: "room 3", line: 5),
                        .init(key: "runtime-dir", value: "/run/vhr", line: 6),
                    ]),
                .init(
                    name: "device", argument: "cuff", line: 7,
                    entries: [
                        .init(key: "profile", value: "simulated-bp-cuff", line: 8),
                        .init(key: "url", value: "https://a/b#c=d", line: 9),
                    ]),
            ])
        #expect(document.sections[1].header == "[device cuff]")
    }

    @Test func countsLinesAlikeForLFAndCRLFAndCR() throws {
        for newline in ["\n", "\r\n", "\r"] {
            let text = ["\u{FEFF}[room]", "", "name = x", "[sockets]", "control = c.sock"].joined(separator: newline)
            let document = try IniDocument.parse(text, file: "a.conf")
            #expect(document.sections.map(\.line) == [1, 4], "newline \(newline.debugDescription)")
            #expect(document.sections[0].entries == [.init(key: "name", value: "x", line: 3)])
            #expect(document.sections[1].entries == [.init(key: "control", value: "c.sock", line: 5)])
        }
    }

    @Test func emptyValueAndEmptyTextAreFine() throws {
        #expect(try IniDocument.parse("", file: "a.conf").sections.isEmpty)
        let document = try IniDocument.parse("[x]\nkey =\n", file: "a.conf")
        #expect(document.sections[0].entries == [.init(key: "key", value: "", line: 2)])
    }

    @Test(arguments: [
        ("[room]\nname room 3", 2, "[room]", "'name room 3' has no '='"),
        ("[room]\n= x", 2, "[room]", "there is no key before '='"),
        ("[room]\nroom name = x", 2, "[room] room name", "the key 'room name' contains a space"),
        ("\n\nname = x", 3, "name", "'name' is set before any section header"),
        ("[room\nname = x", 1, "[room", "section header does not end with ']'"),
        ("[room] # note", 1, "[room] # note", "section header does not end with ']'"),
        ("[]", 1, "[]", "malformed section header"),
        ("[[room]]", 1, "[[room]]", "malformed section header"),
    ])
    func rejectsMalformedLines(text: String, line: Int, field: String, problem: String) {
        let error = #expect(throws: ConfigError.self) { try IniDocument.parse(text, file: "/etc/vhr/vhrd.conf") }
        #expect(error?.file == "/etc/vhr/vhrd.conf")
        #expect(error?.line == line)
        #expect(error?.field == field)
        #expect(error?.problem == problem)
        #expect(error?.fix.isEmpty == false)
    }
}
