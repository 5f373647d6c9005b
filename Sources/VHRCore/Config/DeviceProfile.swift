import Foundation

/// Everything the daemon knows about one device model, as data: what it is, which driver family
/// runs it, how to recognise it, and the family's parameters. One JSON file per model in
/// `DeviceProfiles/` (see `DeviceProfiles/README.md`).
public struct DeviceProfile: Sendable, Equatable, Codable {
    /// The file name without `.json`: `[a-z0-9-]+`.
    public var id: String
    /// The model's human name.
    public var name: String
    public var vendor: String
    public var kind: DeviceKind
    /// The driver family that runs the model, resolved by a registry outside VHRCore.
    public var family: String
    public var transport: Transport
    /// How to recognise a unit; empty exactly when ``transport`` is `simulated`.
    public var match: [MatchRule]
    /// The family's parameters, which the family checks.
    public var parameters: [String: ProfileValue]

    public init(
        id: String, name: String, vendor: String, kind: DeviceKind, family: String, transport: Transport,
        match: [MatchRule] = [], parameters: [String: ProfileValue] = [:]
    ) {
        self.id = id
        self.name = name
        self.vendor = vendor
        self.kind = kind
        self.family = family
        self.transport = transport
        self.match = match
        self.parameters = parameters
    }

    // MARK: Parameters

    /// The number parameter `key`, or `nil` if it is missing or not a number.
    public func double(_ key: String) -> Double? { parameters[key]?.double }

    /// The whole-number parameter `key`, or `nil` if it is missing or not a whole number.
    public func int(_ key: String) -> Int? { parameters[key]?.int }

    /// The string parameter `key`, or `nil` if it is missing or not a string.
    public func string(_ key: String) -> String? { parameters[key]?.string }

    /// The boolean parameter `key`, or `nil` if it is missing or not `true`/`false`.
    public func bool(_ key: String) -> Bool? { parameters[key]?.bool }

    /// An error about parameter `key`, for a family that finds it missing or unusable.
    ///
    /// - Parameter expected: what the family needs, like `a number of mmHg from 200 to 320`.
    public func parameterError(_ key: String, expected: String) -> ProfileError {
        let problem =
            parameters[key].map { "\($0) is not \(expected)" } ?? "the \(family) family needs this parameter"
        return ProfileError(
            file: "\(id).json", field: "parameters.\(key)", problem: problem, fix: "set \"\(key)\" to \(expected)")
    }

    /// The parameters decoded into a family's own `Codable` settings type, strictly: a missing
    /// or mistyped parameter, and a parameter `T` does not have, are errors naming
    /// `parameters.KEY`. Families call it once when they open a device.
    public func decodeParameters<T: Codable>(as type: T.Type) throws(ProfileError) -> T {
        let file = "\(id).json"
        let value: T
        let known: [String]
        do {
            value = try JSONDecoder().decode(T.self, from: JSONEncoder().encode(parameters))
            known = try JSONDecoder().decode(KeyList.self, from: JSONEncoder().encode(value)).keys
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // JSONDecoder reports a number that does not fit (280.5 for an Int) without a path.
            let key = wholeNumberParameter(for: T.self)
            throw ProfileError(
                file: file, field: key.map { "parameters.\($0)" } ?? "parameters",
                problem: "\(key.flatMap { parameters[$0] }.map { "\($0) is" } ?? "a number is") not a number the "
                    + "\(family) family can use", fix: "write a whole number in range")
        } catch let error as DecodingError {
            var error = Self.profileError(error, file: file)
            error.field = error.field.isEmpty ? "parameters" : "parameters.\(error.field)"
            throw error
        } catch {
            throw ProfileError(
                file: file, field: "parameters", problem: "\(error)", fix: "see DeviceProfiles/README.md")
        }
        for key in parameters.keys.sorted() where !known.contains(key) {
            let hint = closestMatch(to: key, in: known).map { "did you mean \"\($0)\"? " } ?? ""
            throw ProfileError(
                file: file, field: "parameters.\(key)", problem: "the \(family) family has no parameter \"\(key)\"",
                fix: "\(hint)its parameters are \(known.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        return value
    }

    /// The first number parameter that keeps `T` from decoding, found by trying each one as 0.
    private func wholeNumberParameter<T: Decodable>(for _: T.Type) -> String? {
        parameters.keys.sorted().first { key in
            guard parameters[key]?.double != nil else { return false }
            var trial = parameters
            trial[key] = .number(0)
            return (try? JSONDecoder().decode(T.self, from: JSONEncoder().encode(trial))) != nil
        }
    }

    /// The top-level keys of a JSON object, whatever their values.
    private struct KeyList: Decodable {
        var keys: [String]

        init(from decoder: any Decoder) throws {
            keys = try decoder.container(keyedBy: ProfileJSONKey.self).allKeys.map(\.stringValue)
        }
    }

    // MARK: Decoding

    /// Decodes one profile file, strictly: unknown keys at any level, a wrong id, bad USB ids and
    /// match rules that do not fit the transport are all refused. `file` is the file's name or
    /// path; the id must equal its name without `.json`. The family is checked by
    /// ``ProfileCatalog/load(files:knownFamilies:)``.
    public static func decode(_ data: Data, file: String) throws(ProfileError) -> DeviceProfile {
        let profile: DeviceProfile
        do {
            profile = try JSONDecoder().decode(DeviceProfile.self, from: data)
        } catch let problem as ProfileDecodingProblem {
            throw ProfileError(file: file, field: problem.field, problem: problem.problem, fix: problem.fix)
        } catch let error as DecodingError {
            throw profileError(error, file: file)
        } catch {
            throw ProfileError(file: file, field: "", problem: "\(error)", fix: "check the file is a profile")
        }
        let expected = baseName(file)
        guard profile.id == expected else {
            throw ProfileError(
                file: file, field: "id", problem: "the id \"\(profile.id)\" does not match the file name",
                fix: "set \"id\": \"\(expected)\", or rename the file to \(profile.id).json")
        }
        return profile
    }

    /// The file name without directories and without `.json`.
    static func baseName(_ file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return name.hasSuffix(".json") ? String(name.dropLast(5)) : name
    }

    /// Whether `id` is a valid profile id: `[a-z0-9-]+`, which is also a safe file name.
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty
            && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    private static func profileError(_ error: DecodingError, file: String) -> ProfileError {
        switch error {
        case .keyNotFound(let key, let context):
            return ProfileError(
                file: file, field: ProfileDecodingProblem.field(context.codingPath + [key]),
                problem: "\"\(key.stringValue)\" is missing",
                fix: "add \"\(key.stringValue)\"; see DeviceProfiles/README.md")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let name =
                type == String.self
                ? "a string"
                : type == Double.self
                    ? "a number"
                    : type == Bool.self
                        ? "true or false"
                        : "\(type)".hasPrefix("Array") ? "an array" : "an object"
            return ProfileError(
                file: file, field: ProfileDecodingProblem.field(context.codingPath),
                problem: "expected \(name)", fix: "write \(name) here; see DeviceProfiles/README.md")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return ProfileError(
                file: file, field: "", problem: "not valid JSON (\(context.debugDescription))",
                fix: "check the syntax, for example with python3 -m json.tool \(file)")
        case .dataCorrupted(let context):
            return ProfileError(
                file: file, field: ProfileDecodingProblem.field(context.codingPath),
                problem: context.debugDescription, fix: "see DeviceProfiles/README.md")
        @unknown default:
            return ProfileError(file: file, field: "", problem: "\(error)", fix: "see DeviceProfiles/README.md")
        }
    }

    private enum Keys: String, CodingKey, CaseIterable {
        case id, name, vendor, kind, family, transport, match, parameters
    }

    public init(from decoder: any Decoder) throws {
        try ProfileDecodingProblem.rejectUnknownKeys(Keys.self, in: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.decode(String.self, forKey: .id)
        guard Self.isValidID(id) else {
            throw ProfileDecodingProblem(
                path: [Keys.id], problem: "\"\(id)\" may only contain a-z, 0-9 and '-'",
                fix: "use a lower-case id like vendor-model, and the same for the file name")
        }
        name = try Self.nonEmpty(container, .name)
        vendor = try Self.nonEmpty(container, .vendor)
        let kindText = try container.decode(String.self, forKey: .kind)
        guard let kind = DeviceKind(rawValue: kindText) else {
            throw ProfileDecodingProblem(
                path: [Keys.kind], problem: "unknown kind \"\(kindText)\"",
                fix: "use one of \(DeviceKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        self.kind = kind
        family = try Self.nonEmpty(container, .family)
        let transportText = try container.decode(String.self, forKey: .transport)
        guard let transport = Transport(rawValue: transportText) else {
            throw ProfileDecodingProblem(
                path: [Keys.transport], problem: "unknown transport \"\(transportText)\"",
                fix: "use one of \(Transport.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        self.transport = transport
        match = try container.decodeIfPresent([MatchRule].self, forKey: .match) ?? []
        parameters = try container.decodeIfPresent([String: ProfileValue].self, forKey: .parameters) ?? [:]
        try checkMatchFitsTransport()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(vendor, forKey: .vendor)
        try container.encode(kind, forKey: .kind)
        try container.encode(family, forKey: .family)
        try container.encode(transport, forKey: .transport)
        try container.encode(match, forKey: .match)
        try container.encode(parameters, forKey: .parameters)
    }

    private func checkMatchFitsTransport() throws {
        if transport == .simulated {
            guard match.isEmpty else {
                throw ProfileDecodingProblem(
                    path: [Keys.match], problem: "a simulated device has no hardware to match",
                    fix: "remove the match rules, or set \"transport\" to the real transport")
            }
            return
        }
        // A serial device may have no rule: it is then enrolled by the room configuration, which names
        // its port (a generic USB-serial adapter or a native RS-232 port says nothing about what is on it).
        guard !match.isEmpty || transport == .serial else {
            throw ProfileDecodingProblem(
                path: [Keys.match], problem: "a \(transport.rawValue) device needs at least one match rule",
                fix: "add a rule like {\"\(transport.rawValue)\": {…}}; see DeviceProfiles/README.md")
        }
        for (index, rule) in match.enumerated() where rule.transport != transport {
            throw ProfileDecodingProblem(
                path: [Keys.match, ProfileJSONKey(index: index)],
                problem: "a \"\(rule.transport.rawValue)\" rule does not fit transport \"\(transport.rawValue)\"",
                fix: "write a \"\(transport.rawValue)\" rule, or change \"transport\"")
        }
    }

    private static func nonEmpty(_ container: KeyedDecodingContainer<Keys>, _ key: Keys) throws -> String {
        let text = try container.decode(String.self, forKey: key)
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ProfileDecodingProblem(
                path: [key], problem: "\"\(key.stringValue)\" is empty", fix: "write the \(key.stringValue)")
        }
        return text
    }
}
