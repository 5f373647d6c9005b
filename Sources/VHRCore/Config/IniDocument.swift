/// An INI file in the systemd style, parsed into sections and `key = value` entries that remember
/// their line numbers, so that every later error can point at the exact line.
///
/// The syntax:
/// - `[name]` or `[name argument]` starts a section (`[device cuff]`);
/// - `key = value` sets a key; whitespace around the key and the value is dropped, and the value
///   is taken literally to the end of the line (no quoting, no inline comments, no continuations);
/// - lines starting with `#` or `;` are comments; blank lines are ignored.
///
/// The document knows nothing about which sections and keys exist; ``RoomConfig`` does.
public struct IniDocument: Sendable, Equatable {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        /// The 1-based line number.
        public var line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// A `[name argument]` header and the entries under it, in file order.
    public struct Section: Sendable, Equatable {
        /// The first word of the header: `device` in `[device cuff]`.
        public var name: String
        /// The rest of the header, if any: `cuff` in `[device cuff]`.
        public var argument: String?
        /// The 1-based line of the header.
        public var line: Int
        public var entries: [Entry]

        public init(name: String, argument: String?, line: Int, entries: [Entry] = []) {
            self.name = name
            self.argument = argument
            self.line = line
            self.entries = entries
        }

        /// The header as written in the file, normalised: `[device cuff]`.
        public var header: String {
            argument.map { "[\(name) \($0)]" } ?? "[\(name)]"
        }
    }

    /// The sections in file order.
    public var sections: [Section]

    public init(sections: [Section]) {
        self.sections = sections
    }

    /// Parses `text`, naming `file` in errors.
    ///
    /// Throws for a line that is neither a comment, a section header nor `key = value`, for a
    /// malformed header, and for a key outside any section.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> IniDocument {
        var sections: [Section] = []
        // Split on LF, CRLF and CR alike: Swift treats "\r\n" as a single Character.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var line = trimmed(rawLine)
            if number == 1, line.first == "\u{FEFF}" {
                line = trimmed(line.dropFirst())
            }
            if line.isEmpty || line.first == "#" || line.first == ";" {
                continue
            }
            if line.first == "[" {
                sections.append(try header(line, line: number, file: file))
                continue
            }
            let entry = try entry(line, line: number, section: sections.last, file: file)
            sections[sections.count - 1].entries.append(entry)
        }
        return IniDocument(sections: sections)
    }

    private static func header(_ text: Substring, line: Int, file: String) throws(ConfigError) -> Section {
        guard text.last == "]" else {
            throw ConfigError(
                file: file, line: line, field: String(text), problem: "section header does not end with ']'",
                fix: "write the header alone on its line, like [room] or [device cuff]")
        }
        let inside = trimmed(text.dropFirst().dropLast())
        guard !inside.isEmpty, !inside.contains("["), !inside.contains("]") else {
            throw ConfigError(
                file: file, line: line, field: String(text), problem: "malformed section header",
                fix: "write the header like [room] or [device cuff]")
        }
        let words = inside.split(whereSeparator: \.isWhitespace)
        let name = String(words[0])
        let argument = words.count > 1 ? words.dropFirst().joined(separator: " ") : nil
        return Section(name: name, argument: argument, line: line)
    }

    private static func entry(
        _ text: Substring, line: Int, section: Section?, file: String
    ) throws(ConfigError) -> Entry {
        let place = section?.header ?? "(before any section)"
        guard let equals = text.firstIndex(of: "=") else {
            throw ConfigError(
                file: file, line: line, field: place, problem: "'\(text)' has no '='",
                fix: "write settings as key = value, or start the line with # to make it a comment")
        }
        let key = trimmed(text[..<equals])
        let value = trimmed(text[text.index(after: equals)...])
        guard !key.isEmpty else {
            throw ConfigError(
                file: file, line: line, field: place, problem: "there is no key before '='",
                fix: "write settings as key = value")
        }
        guard !key.contains(where: \.isWhitespace) else {
            throw ConfigError(
                file: file, line: line, field: "\(place) \(key)", problem: "the key '\(key)' contains a space",
                fix: "keys are single words with '-' between parts, like runtime-dir")
        }
        guard section != nil else {
            throw ConfigError(
                file: file, line: line, field: String(key), problem: "'\(key)' is set before any section header",
                fix: "move it under its section, such as [room], [sockets], [upload], [access] or [device NAME]")
        }
        return Entry(key: String(key), value: String(value), line: line)
    }

    private static func trimmed(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return text[text.endIndex...] }
        let last = text.lastIndex(where: { !$0.isWhitespace })!
        return text[first...last]
    }
}
