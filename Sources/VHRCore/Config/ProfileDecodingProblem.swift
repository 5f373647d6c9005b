/// A profile problem found while decoding, before the file name is known; ``DeviceProfile``'s
/// `decode(_:file:)` turns it into a ``ProfileError``.
struct ProfileDecodingProblem: Error {
    var field: String
    var problem: String
    var fix: String

    init(path: [any CodingKey], problem: String, fix: String) {
        self.field = Self.field(path)
        self.problem = problem
        self.fix = fix
    }

    /// Renders a coding path as `match[0].usb.vendor`.
    static func field(_ path: [any CodingKey]) -> String {
        var field = ""
        for key in path {
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == "\(index)" {
                field += "[\(index)]"
            } else {
                field += field.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return field
    }

    /// Refuses keys that `Keys` does not list: `JSONDecoder` ignores unknown keys, and a
    /// misspelt optional key would otherwise silently fall back to its default.
    static func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type, in decoder: any Decoder) throws {
        // A container keyed by `Keys` lists only the keys it knows, so read the keys through `ProfileJSONKey`.
        let present = try decoder.container(keyedBy: ProfileJSONKey.self).allKeys.map(\.stringValue)
        let known = Keys.allCases.map(\.stringValue)
        for key in present.sorted() where !known.contains(key) {
            let hint = closestMatch(to: key, in: known).map { "did you mean \"\($0)\"? " } ?? ""
            throw ProfileDecodingProblem(
                path: decoder.codingPath + [ProfileJSONKey(key)], problem: "unknown key \"\(key)\"",
                fix: "\(hint)the keys here are \(known.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }
}

/// A coding key for any name or array index, to list a container's keys whatever its declared
/// keys are, and to build paths.
struct ProfileJSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ stringValue: String) { self.stringValue = stringValue }
    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(index: intValue) }
}
