/// Turns an ``IniDocument`` into a ``RoomConfig``, one section at a time, checking every key and
/// value against the schema in `docs/configuration.md`.
struct RoomConfigParser {
    let file: String
    private(set) var config: RoomConfig
    /// The line of each single-instance section already read, to refuse a second one.
    private var sectionLines: [String: Int] = [:]
    private var deviceLines: [String: Int] = [:]

    init(file: String) {
        self.file = file
        self.config = RoomConfig(source: file)
    }

    /// The known keys of each section, in the order the documentation lists them.
    static let knownKeys: [(section: String, keys: [String])] = [
        ("room", ["name", "runtime-dir", "state-dir", "profiles-dir", "min-free-space"]),
        ("sockets", ["control", "stream", "tap", "tap-format", "metrics"]),
        (
            "upload",
            [
                "url", "token-file", "ca-file", "patient-system", "visit-system", "device-system", "rate", "burst",
                "timeout",
            ]
        ),
        ("access", Role.allCases.map(\.rawValue)),
        ("device", ["profile"]),
    ]

    mutating func read(_ document: IniDocument) throws(ConfigError) {
        for section in document.sections {
            switch section.name {
            case "room": try readRoom(section)
            case "sockets": try readSockets(section)
            case "upload": try readUpload(section)
            case "access": try readAccess(section)
            case "device": try readDevice(section)
            default: throw unknownSection(section)
            }
        }
        let mentioned = Set(config.access.map(\.role))
        for role in Role.allCases where !mentioned.contains(role) {
            config.access.append(AccessRule(role: role, principal: .daemonUser))
        }
    }

    // MARK: Sections

    private mutating func readRoom(_ section: IniDocument.Section) throws(ConfigError) {
        let entries = try singleSection(section)
        for entry in entries {
            switch entry.key {
            case "name":
                guard !entry.value.isEmpty else {
                    throw badValue(section, entry, "the room name is empty", fix: "name the room, like name = room 3")
                }
                config.roomName = entry.value
            case "runtime-dir": config.runtimeDirectory = try absolutePath(section, entry)
            case "state-dir": config.stateDirectory = try absolutePath(section, entry)
            case "profiles-dir": config.profilesDirectory = try absolutePath(section, entry)
            case "min-free-space":
                guard let megabytes = Int(entry.value), (1...1_048_576).contains(megabytes) else {
                    throw badValue(
                        section, entry, "'\(entry.value)' is not a size in megabytes between 1 and 1048576",
                        fix: "write a whole number of megabytes, like min-free-space = 64")
                }
                config.minimumFreeMegabytes = megabytes
            default: throw unknownKey(section, entry)
            }
        }
    }

    private mutating func readSockets(_ section: IniDocument.Section) throws(ConfigError) {
        let entries = try singleSection(section)
        var lines: [String: Int] = [:]
        for entry in entries {
            switch entry.key {
            case "control": config.controlSocket = try socketName(section, entry)
            case "stream": config.streamSocket = try socketName(section, entry)
            case "tap": config.tapSocket = try socketName(section, entry)
            case "metrics": config.metricsSocket = try socketName(section, entry)
            case "tap-format":
                guard let format = TapFormat(rawValue: entry.value) else {
                    throw badValue(
                        section, entry, "unknown tap format '\(entry.value)'",
                        fix: "use tap-format = wav (a WAV header, then samples) or raw (samples only)")
                }
                config.tapFormat = format
            default: throw unknownKey(section, entry)
            }
            lines[entry.key] = entry.line
        }
        let names = [
            ("control", config.controlSocket), ("stream", config.streamSocket), ("tap", config.tapSocket),
            ("metrics", config.metricsSocket),
        ]
        for (index, (key, name)) in names.enumerated() {
            guard let other = names[..<index].first(where: { $0.1 == name }) else { continue }
            let blamed = lines[key] != nil ? key : other.0
            throw ConfigError(
                file: file, line: lines[blamed], field: "[sockets] \(blamed)",
                problem: "the \(other.0) and \(key) sockets are both named '\(name)'",
                fix: "give them different names, like \(RoomConfig.defaultControlSocket), "
                    + "\(RoomConfig.defaultStreamSocket), \(RoomConfig.defaultTapSocket) and "
                    + "\(RoomConfig.defaultMetricsSocket)")
        }
    }

    private mutating func readUpload(_ section: IniDocument.Section) throws(ConfigError) {
        let entries = try singleSection(section)
        var target = UploadTarget(url: "")
        var sawURL = false
        for entry in entries {
            switch entry.key {
            case "url":
                if let problem = Self.uploadURLProblem(entry.value) {
                    throw badValue(section, entry, problem.problem, fix: problem.fix)
                }
                target.url = entry.value
                sawURL = true
            case "token-file": target.tokenFile = try absolutePath(section, entry)
            case "ca-file": target.caFile = try absolutePath(section, entry)
            case "patient-system": target.patientSystem = try identifierSystem(section, entry)
            case "visit-system": target.visitSystem = try identifierSystem(section, entry)
            case "device-system": target.deviceSystem = try identifierSystem(section, entry)
            case "rate":
                guard let rate = Double(entry.value), rate.isFinite, rate >= 0.01, rate <= 1000 else {
                    throw badValue(
                        section, entry, "'\(entry.value)' is not a rate between 0.01 and 1000 uploads per second",
                        fix: "write a number, like rate = 2")
                }
                target.rate = rate
            case "burst":
                guard let burst = Int(entry.value), (1...10_000).contains(burst) else {
                    throw badValue(
                        section, entry, "'\(entry.value)' is not a whole number between 1 and 10000",
                        fix: "write how many uploads may go at once after a quiet spell, like burst = 10")
                }
                target.burst = burst
            case "timeout":
                guard let seconds = Int(entry.value), (1...600).contains(seconds) else {
                    throw badValue(
                        section, entry, "'\(entry.value)' is not a number of seconds between 1 and 600",
                        fix: "write the longest one upload may take, like timeout = 30")
                }
                target.timeoutSeconds = seconds
            default: throw unknownKey(section, entry)
            }
        }
        guard sawURL else {
            throw ConfigError(
                file: file, line: section.line, field: "[upload] url", problem: "[upload] has no url",
                fix: "add url = https://HOST/PATH, or remove the [upload] section to upload nothing")
        }
        config.upload = target
    }

    /// An identifier system goes into FHIR searches (`identifier=SYSTEM|VALUE`), so it must be a
    /// URI without spaces or search operators.
    private func identifierSystem(_ section: IniDocument.Section, _ entry: IniDocument.Entry) throws(ConfigError)
        -> String
    {
        guard entry.value.contains(":"), (try? FHIRIdentifier(system: entry.value, value: "x")) != nil else {
            throw badValue(
                section, entry, "'\(entry.value)' is not a URI usable as a FHIR identifier system",
                fix:
                    "write a URI without spaces, commas, | or $, like http://electronichealth.se/identifier/personnummer"
            )
        }
        return entry.value
    }

    private mutating func readAccess(_ section: IniDocument.Section) throws(ConfigError) {
        let entries = try singleSection(section)
        for entry in entries {
            guard let role = Role(rawValue: entry.key) else {
                let roles = Role.allCases.map(\.rawValue)
                let hint = closestMatch(to: entry.key, in: roles).map { "did you mean '\($0)'? " } ?? ""
                throw ConfigError(
                    file: file, line: entry.line, field: "[access] \(entry.key)",
                    problem: "unknown role '\(entry.key)'",
                    fix: "\(hint)the roles are \(roles.joined(separator: ", "))")
            }
            let words = entry.value.split { $0 == "," || $0.isWhitespace }
            guard !words.isEmpty else {
                throw badValue(
                    section, entry, "no principals are listed",
                    fix: "list who gets the role, like \(role.rawValue) = group:vhr-\(role.rawValue); "
                        + "or remove the line to grant it to daemon-user only")
            }
            var principals: [Principal] = []
            for word in words {
                guard let principal = Principal(parsing: String(word)) else {
                    throw badPrincipal(section, entry, String(word))
                }
                if !principals.contains(principal) {
                    principals.append(principal)
                }
            }
            config.access += principals.map { AccessRule(role: role, principal: $0) }
        }
    }

    private mutating func readDevice(_ section: IniDocument.Section) throws(ConfigError) {
        guard let name = section.argument else {
            throw ConfigError(
                file: file, line: section.line, field: section.header, problem: "the device has no name",
                fix: "name it in the header, like [device cuff]")
        }
        if let problem = Self.deviceNameProblem(name) {
            throw ConfigError(
                file: file, line: section.line, field: section.header, problem: problem.problem, fix: problem.fix)
        }
        if let first = deviceLines[name] {
            throw Self.duplicateDevice(name, line: section.line, first: first, file: file)
        }
        deviceLines[name] = section.line
        try checkDuplicateKeys(section)
        var device = DeviceConfig(id: name, profile: "", line: section.line)
        for entry in section.entries {
            device.keyLines[entry.key] = entry.line
            if entry.key == "profile" {
                guard !entry.value.isEmpty else {
                    throw badValue(section, entry, "the profile is empty", fix: Self.profileFix)
                }
                device.profile = entry.value
            } else {
                device.options[entry.key] = entry.value
            }
        }
        guard !device.profile.isEmpty else {
            throw ConfigError(
                file: file, line: section.line, field: "\(section.header) profile",
                problem: "the device has no profile", fix: Self.profileFix)
        }
        config.devices.append(device)
    }

    private static let profileFix =
        "add a line like profile = simulated-bp-cuff, naming a file in DeviceProfiles/ without .json"

    // MARK: Shared checks

    /// Refuses a header argument and a second section of the same name, and duplicate keys.
    private mutating func singleSection(_ section: IniDocument.Section) throws(ConfigError) -> [IniDocument.Entry] {
        if section.argument != nil {
            throw ConfigError(
                file: file, line: section.line, field: section.header,
                problem: "[\(section.name)] does not take a name", fix: "write the header as [\(section.name)]")
        }
        if let first = sectionLines[section.name] {
            throw ConfigError(
                file: file, line: section.line, field: section.header,
                problem: "[\(section.name)] already appeared on line \(first)",
                fix: "merge the two [\(section.name)] sections into one")
        }
        sectionLines[section.name] = section.line
        try checkDuplicateKeys(section)
        return section.entries
    }

    private func checkDuplicateKeys(_ section: IniDocument.Section) throws(ConfigError) {
        var lines: [String: Int] = [:]
        for entry in section.entries {
            if let first = lines[entry.key] {
                throw ConfigError(
                    file: file, line: entry.line, field: "\(section.header) \(entry.key)",
                    problem: "'\(entry.key)' is already set on line \(first)",
                    fix: "keep only one of the two lines")
            }
            lines[entry.key] = entry.line
        }
    }

    private func absolutePath(_ section: IniDocument.Section, _ entry: IniDocument.Entry) throws(ConfigError)
        -> String
    {
        guard entry.value.hasPrefix("/") else {
            let problem = entry.value.isEmpty ? "the path is empty" : "'\(entry.value)' is not an absolute path"
            throw badValue(section, entry, problem, fix: "write the full path, starting with /")
        }
        let parts = entry.value.split(separator: "/")
        guard !parts.contains(".."), !parts.contains(".") else {
            throw badValue(
                section, entry, "'\(entry.value)' contains . or .. components",
                fix: "write the path without . or .. components")
        }
        return entry.value
    }

    /// A socket's file name: its directory is the runtime directory, and `sun_path` holds 108 bytes.
    private func socketName(_ section: IniDocument.Section, _ entry: IniDocument.Entry) throws(ConfigError)
        -> String
    {
        let value = entry.value
        let fix = "write a file name without /, like \(entry.key).sock; the socket goes in the runtime directory"
        guard !value.isEmpty else { throw badValue(section, entry, "the socket name is empty", fix: fix) }
        guard !value.contains("/"), value != ".", value != ".." else {
            throw badValue(section, entry, "'\(value)' is not a plain file name", fix: fix)
        }
        guard value.utf8.count <= 64 else {
            throw badValue(
                section, entry, "'\(value)' is longer than 64 bytes",
                fix: "use a shorter name: a socket's whole path must fit in 108 bytes")
        }
        return value
    }

    // MARK: Errors

    private func badValue(
        _ section: IniDocument.Section, _ entry: IniDocument.Entry, _ problem: String, fix: String
    ) -> ConfigError {
        ConfigError(file: file, line: entry.line, field: "\(section.header) \(entry.key)", problem: problem, fix: fix)
    }

    private func badPrincipal(_ section: IniDocument.Section, _ entry: IniDocument.Entry, _ word: String)
        -> ConfigError
    {
        for prefix in ["user:", "group:"] where word.hasPrefix(prefix) {
            return badValue(
                section, entry, "'\(word.dropFirst(prefix.count))' is not a valid \(prefix.dropLast()) name",
                fix: "names are lower case letters, digits, '_' and '-', starting with a letter or '_'")
        }
        for prefix in ["uid:", "gid:"] where word.hasPrefix(prefix) {
            return badValue(
                section, entry, "'\(word.dropFirst(prefix.count))' is not a numeric \(prefix.dropLast())",
                fix: "write a decimal number below 4294967295, like \(prefix)1001")
        }
        return badValue(
            section, entry, "'\(word)' is not a principal",
            fix: "list principals as user:NAME, group:NAME, uid:N, gid:N or daemon-user, separated by commas")
    }

    private func unknownKey(_ section: IniDocument.Section, _ entry: IniDocument.Entry) -> ConfigError {
        let keys = Self.knownKeys.first { $0.section == section.name }?.keys ?? []
        let hint = closestMatch(to: entry.key, in: keys).map { "did you mean '\($0)'? " } ?? ""
        return ConfigError(
            file: file, line: entry.line, field: "\(section.header) \(entry.key)",
            problem: "unknown key '\(entry.key)'",
            fix: "\(hint)\(section.header) accepts \(keys.joined(separator: ", "))")
    }

    private func unknownSection(_ section: IniDocument.Section) -> ConfigError {
        let names = Self.knownKeys.map(\.section)
        let known = "[room], [sockets], [upload], [access] and [device NAME]"
        var fix = "the sections are \(known)"
        if let guess = closestMatch(to: section.name, in: names) {
            let header = IniDocument.Section(name: guess, argument: section.argument, line: section.line).header
            fix = "did you mean \(header)? \(fix)"
        }
        return ConfigError(
            file: file, line: section.line, field: section.header, problem: "unknown section \(section.header)",
            fix: fix)
    }

    static func duplicateDevice(_ name: String, line: Int, first: Int, file: String) -> ConfigError {
        ConfigError(
            file: file, line: line, field: "[device \(name)]",
            problem: "a device named '\(name)' is already defined on line \(first)",
            fix: "give each device its own name, like \(name)-2")
    }

    // MARK: Value syntax

    /// Why `name` cannot name a device, or `nil` if it can: names are `[a-z0-9-]+`, since they
    /// appear in socket messages, log keys and file names.
    static func deviceNameProblem(_ name: String) -> (problem: String, fix: String)? {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
        }
        guard name.isEmpty || !allowed else { return nil }
        let suggestion = String(
            name.lowercased().unicodeScalars.map {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-"
            })
        return (
            "the device name '\(name)' may only contain a-z, 0-9 and '-'",
            suggestion.isEmpty ? "name the device, like [device cuff]" : "rename it, like [device \(suggestion)]"
        )
    }

    /// Why `url` cannot be the upload endpoint, or `nil` if it can: measurements are health data,
    /// so they travel over TLS, except to a relay on this machine.
    static func uploadURLProblem(_ url: String) -> (problem: String, fix: String)? {
        let httpsFix = "write an https:// URL, like https://fhir.example.org/r4"
        guard !url.isEmpty else { return ("the URL is empty", httpsFix) }
        guard !url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { return ("'\(url)' contains spaces or control characters", "percent-encode them, like %20") }
        let lowered = url.lowercased()
        let isHTTPS = lowered.hasPrefix("https://")
        guard isHTTPS || lowered.hasPrefix("http://") else {
            return ("'\(url)' is not an https:// URL", httpsFix)
        }
        let rest = url.dropFirst(isHTTPS ? 8 : 7)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else {
            return ("the URL contains credentials", "remove USER:PASSWORD@ and put the token in token-file")
        }
        var host = authority
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return ("the IPv6 address in '\(url)' has no closing ']'", "write it like https://[2001:db8::1]/")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else {
                return ("'\(url)' has text after the IPv6 address", "write it like https://[2001:db8::1]:8443/")
            }
            port = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { return ("'\(url)' has no host", httpsFix) }
        if let port {
            guard port.allSatisfy(\.isASCII), let number = Int(port), (1...65535).contains(number) else {
                return ("'\(port)' in '\(url)' is not a port number", "write a port from 1 to 65535, or none")
            }
        }
        if !isHTTPS && !["127.0.0.1", "localhost", "::1"].contains(host.lowercased()) {
            return (
                "plain http:// is only allowed to this machine (127.0.0.1, localhost or [::1])",
                "use https://, or an http:// relay on this machine"
            )
        }
        return nil
    }
}
