import Testing
import VHRCore

@Suite struct LogLineFormatterTests {
    @Test func plainRecord() {
        let record = LogRecord(level: .info, message: "visit started", metadata: ["visit": "42"])
        #expect(LogLineFormatter.format(record) == "<6>visit started visit=42")
    }

    @Test func labelPrefixAndSortedKeys() {
        let record = LogRecord(
            level: .error, message: "upload failed", metadata: ["z": "1", "a": "2", "m": "3"], label: "uploads")
        #expect(LogLineFormatter.format(record) == "<3>uploads: upload failed a=2 m=3 z=1")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", "\"\""),
        ("room 3", "\"room 3\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("a=b", "\"a=b\""),
        ("C:\\path", "\"C:\\\\path\""),
        ("two\nlines", "\"two\\nlines\""),
        ("tab\there", "\"tab\\there\""),
        ("esc\u{1B}[0m", "\"esc\\u{1B}[0m\""),
        ("Grüße", "Grüße"),
    ])
    func valuesAreQuotedAndEscaped(value: String, expected: String) {
        let record = LogRecord(level: .notice, message: "m", metadata: ["k": value])
        #expect(LogLineFormatter.format(record) == "<5>m k=\(expected)")
    }

    @Test func messagesStayOnOneLine() {
        let record = LogRecord(level: .warning, message: "first\nsecond\r\nthird \"q\"", metadata: [:])
        let line = LogLineFormatter.format(record)
        #expect(line == "<4>first\\nsecond\\r\\nthird \"q\"")
        #expect(!line.contains("\n"))
    }

    @Test func keysAreSanitized() {
        let record = LogRecord(level: .debug, message: "m", metadata: ["bad key=\"x\"": "v", "": "e"])
        #expect(LogLineFormatter.format(record) == "<7>m _=e bad_key__x_=v")
    }
}
