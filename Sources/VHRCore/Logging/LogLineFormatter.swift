/// Formats a record as one line for stderr, which journald reads:
///
/// ```
/// <6>uploads: visit started visit=42 room="room 3"
/// ```
///
/// - `<N>` is the journald/syslog priority (`SyslogLevelPrefix=` is on by default);
/// - the label, when not empty, comes first followed by ": ";
/// - metadata follows as `key=value`, sorted by key so lines are stable;
/// - a value that is empty or contains a space, `"`, `=`, `\` or a control character is
///   quoted, with `\` and `"` escaped;
/// - newlines and other control characters are escaped everywhere (`\n`, `\r`, `\t`, `\u{1B}`),
///   so one record is always exactly one line.
public enum LogLineFormatter {
    /// The line for `record`, without the trailing newline.
    public static func format(_ record: LogRecord) -> String {
        var line = "<\(record.level.rawValue)>"
        if !record.label.isEmpty {
            line += escaped(record.label, extra: []) + ": "
        }
        line += escaped(record.message, extra: [])
        for key in record.metadata.keys.sorted() {
            line += " " + formattedKey(key) + "=" + formattedValue(record.metadata[key] ?? "")
        }
        return line
    }

    /// A key made safe: anything that would break `key=value` parsing becomes `_`.
    static func formattedKey(_ key: String) -> String {
        if key.isEmpty { return "_" }
        return String(
            String.UnicodeScalarView(
                key.unicodeScalars.map { scalar in
                    needsQuoting(scalar) ? "_" : scalar
                }))
    }

    /// A value, quoted when it has to be.
    static func formattedValue(_ value: String) -> String {
        guard value.isEmpty || value.unicodeScalars.contains(where: needsQuoting) else { return value }
        return "\"" + escaped(value, extra: ["\"", "\\"]) + "\""
    }

    private static func needsQuoting(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\"" || scalar == "=" || scalar == "\\" || isControl(scalar)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    /// Escapes control characters, and backslash-escapes the scalars in `extra`.
    private static func escaped(_ text: String, extra: Set<Unicode.Scalar>) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || extra.contains($0) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            case _ where extra.contains(scalar): result += "\\" + String(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
