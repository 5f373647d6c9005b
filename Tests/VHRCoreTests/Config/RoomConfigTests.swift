import Testing
import VHRCore

@Suite struct RoomConfigTests {
    static let file = "/etc/vhr/vhrd.conf"

    /// Parses `text`, expecting a `ConfigError` at `line` on `field`; returns it for more checks.
    @discardableResult
    static func expectError(
        _ text: String, line: Int?, field: String, problem: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigError? {
        let error = #expect(throws: ConfigError.self, sourceLocation: sourceLocation) {
            try RoomConfig.parse(text, file: file)
        }
        #expect(error?.file == file, sourceLocation: sourceLocation)
        #expect(error?.line == line, sourceLocation: sourceLocation)
        #expect(error?.field == field, sourceLocation: sourceLocation)
        if let problem {
            #expect(error?.problem == problem, sourceLocation: sourceLocation)
        }
        #expect(error?.fix.isEmpty == false, sourceLocation: sourceLocation)
        return error
    }

    // MARK: Happy path

    @Test func parsesAFullRoom() throws {
        let text = """
            # Room 3, second floor.
            [room]
            name = Room 3 (2nd floor)
              runtime-dir   =   /run/vhr
            state-dir=/var/lib/vhr
            ; extra profiles
            profiles-dir = /etc/vhr/profiles

            [sockets]
            control = ctl.sock
            stream = audio.sock

            [upload]
            url = https://fhir.example.org/r4?x=1#y
            token-file = /etc/vhr/upload-token

            [access]
            kiosk = group:vhr-kiosk
            clinician = group:vhr-bridge, user:bridge uid:1001,gid:2002
            technician = group:vhr-tech, daemon-user, group:vhr-tech

            [device cuff]
            profile = simulated-bp-cuff
            speed = 4

            [device stethoscope]
            profile = simulated-stethoscope
            """
        let config = try RoomConfig.parse(text, file: Self.file)
        #expect(config.source == Self.file)
        #expect(config.roomName == "Room 3 (2nd floor)")
        #expect(config.runtimeDirectory == "/run/vhr")
        #expect(config.stateDirectory == "/var/lib/vhr")
        #expect(config.profilesDirectory == "/etc/vhr/profiles")
        #expect(config.controlSocket == "ctl.sock")
        #expect(config.streamSocket == "audio.sock")
        #expect(
            config.upload == UploadTarget(url: "https://fhir.example.org/r4?x=1#y", tokenFile: "/etc/vhr/upload-token"))
        #expect(
            config.access == [
                AccessRule(role: .kiosk, principal: .group("vhr-kiosk")),
                AccessRule(role: .clinician, principal: .group("vhr-bridge")),
                AccessRule(role: .clinician, principal: .user("bridge")),
                AccessRule(role: .clinician, principal: .uid(1001)),
                AccessRule(role: .clinician, principal: .gid(2002)),
                AccessRule(role: .technician, principal: .group("vhr-tech")),
                AccessRule(role: .technician, principal: .daemonUser),
            ])
        #expect(
            config.devices == [
                DeviceConfig(
                    id: "cuff", profile: "simulated-bp-cuff", options: ["speed": "4"], line: 22,
                    keyLines: ["profile": 23, "speed": 24]),
                DeviceConfig(id: "stethoscope", profile: "simulated-stethoscope", line: 26, keyLines: ["profile": 27]),
            ])
    }

    @Test func appliesDefaults() throws {
        let config = try RoomConfig.parse("[device cuff]\nprofile = simulated-bp-cuff\n", file: Self.file)
        #expect(
            config
                == RoomConfig(
                    source: Self.file, roomName: "vhr room", controlSocket: "control.sock", streamSocket: "stream.sock",
                    upload: nil,
                    access: Role.allCases.map { AccessRule(role: $0, principal: .daemonUser) },
                    devices: [DeviceConfig(id: "cuff", profile: "simulated-bp-cuff", line: 1, keyLines: ["profile": 2])]
                ))
    }

    @Test func grantsUnmentionedRolesToTheDaemonUserAfterTheListedOnes() throws {
        let config = try RoomConfig.parse("[access]\nclinician = group:vhr-bridge\n", file: Self.file)
        #expect(
            config.access == [
                AccessRule(role: .clinician, principal: .group("vhr-bridge")),
                AccessRule(role: .kiosk, principal: .daemonUser),
                AccessRule(role: .technician, principal: .daemonUser),
            ])
    }

    @Test func acceptsLocalPlainHTTPAndPorts() throws {
        for url in [
            "http://127.0.0.1:8080/fhir", "http://localhost/fhir", "http://[::1]:9000", "HTTP://LOCALHOST",
            "https://[2001:db8::1]:8443/r4", "https://fhir.example.org:443",
        ] {
            let config = try RoomConfig.parse("[upload]\nurl = \(url)\n", file: Self.file)
            #expect(config.upload == UploadTarget(url: url, tokenFile: nil))
        }
    }

    @Test func readsEveryUploadSetting() throws {
        let config = try RoomConfig.parse(
            """
            [room]
            min-free-space = 200
            [upload]
            url = https://fhir.example.org/r4
            token-file = /etc/vhr/upload-token
            ca-file = /etc/vhr/provider-ca.pem
            patient-system = urn:oid:1.2.752.129.2.1.3.3
            visit-system = https://region.example.se/vhr/visit
            device-system = https://region.example.se/vhr/device
            rate = 0.5
            burst = 3
            timeout = 12
            """, file: Self.file)
        #expect(config.minimumFreeMegabytes == 200)
        #expect(
            config.upload
                == UploadTarget(
                    url: "https://fhir.example.org/r4", tokenFile: "/etc/vhr/upload-token",
                    caFile: "/etc/vhr/provider-ca.pem", patientSystem: "urn:oid:1.2.752.129.2.1.3.3",
                    visitSystem: "https://region.example.se/vhr/visit",
                    deviceSystem: "https://region.example.se/vhr/device", rate: 0.5, burst: 3, timeoutSeconds: 12))
    }

    @Test func uploadDefaultsAreTheResearchOnes() throws {
        let upload = try #require(
            try RoomConfig.parse("[upload]\nurl = https://a.example/r4\n", file: Self.file).upload)
        #expect(upload.patientSystem == "http://electronichealth.se/identifier/personnummer")
        #expect(upload.rate == 2 && upload.burst == 10 && upload.timeoutSeconds == 30)
        #expect(upload.caFile == nil && upload.tokenFile == nil)
        #expect(try RoomConfig.parse("", file: Self.file).minimumFreeMegabytes == 64)
    }

    @Test func rejectsBadUploadSettings() {
        let base = "[upload]\nurl = https://a.example/r4\n"
        Self.expectError(base + "ca-file = ca.pem\n", line: 3, field: "[upload] ca-file")
        Self.expectError(base + "patient-system = personnummer\n", line: 3, field: "[upload] patient-system")
        Self.expectError(base + "visit-system = urn:a|b\n", line: 3, field: "[upload] visit-system")
        Self.expectError(base + "rate = 0\n", line: 3, field: "[upload] rate")
        Self.expectError(base + "rate = fast\n", line: 3, field: "[upload] rate")
        Self.expectError(base + "burst = 0\n", line: 3, field: "[upload] burst")
        Self.expectError(base + "timeout = 0\n", line: 3, field: "[upload] timeout")
        Self.expectError("[room]\nmin-free-space = -1\n", line: 2, field: "[room] min-free-space")
        Self.expectError("[upload]\ntoken-file = /t\n", line: 1, field: "[upload] url")
    }

    // MARK: Simulated room

    @Test func simulatedRoomHasTwoSimulatedDevicesAndDaemonUserAccess() {
        let room = RoomConfig.simulatedRoom
        #expect(room.source == "embedded simulated room")
        #expect(room.devices.map(\.id) == ["cuff", "stethoscope"])
        #expect(room.devices.map(\.profile) == ["simulated-bp-cuff", "simulated-stethoscope"])
        #expect(room.devices.allSatisfy { $0.options.isEmpty })
        #expect(room.access == Role.allCases.map { AccessRule(role: $0, principal: .daemonUser) })
        #expect(room.upload == nil)
        #expect(room.roomName == RoomConfig.defaultRoomName)
    }

    @Test func simulatedRoomValidatesAgainstTheEmbeddedCatalog() throws {
        let catalog = ProfileCatalog.embedded(knownFamilies: ["simulated-cuff", "simulated-stethoscope"])
        try RoomConfig.simulatedRoom.validate(against: catalog)
    }

    // MARK: Section and key errors

    @Test func rejectsAnUnknownSectionSuggestingTheClosest() {
        let error = Self.expectError(
            "[room]\nname = x\n[devcie cuff]\nprofile = p\n", line: 3, field: "[devcie cuff]",
            problem: "unknown section [devcie cuff]")
        #expect(error?.fix.hasPrefix("did you mean [device cuff]?") == true)
        let far = Self.expectError("[network]\n", line: 1, field: "[network]")
        #expect(far?.fix == "the sections are [room], [sockets], [upload], [access] and [device NAME]")
    }

    @Test func rejectsAnUnknownKeySuggestingTheClosest() {
        let error = Self.expectError(
            "[room]\n\nruntime_dir = /run/vhr\n", line: 3, field: "[room] runtime_dir",
            problem: "unknown key 'runtime_dir'")
        #expect(
            error?.fix
                == "did you mean 'runtime-dir'? [room] accepts name, runtime-dir, state-dir, profiles-dir, min-free-space"
        )
        let far = Self.expectError("[sockets]\nbacklog = 5\n", line: 2, field: "[sockets] backlog")
        #expect(far?.fix == "[sockets] accepts control, stream, tap, tap-format, metrics")
        Self.expectError("[upload]\nurl = https://a\ntoken = /t\n", line: 3, field: "[upload] token")
    }

    @Test func rejectsADuplicateKey() {
        let error = Self.expectError(
            "[room]\nname = a\n# again\nname = b\n", line: 4, field: "[room] name",
            problem: "'name' is already set on line 2")
        #expect(error?.fix == "keep only one of the two lines")
        Self.expectError(
            "[device cuff]\nprofile = a\nport = 1\nport = 2\n", line: 4, field: "[device cuff] port",
            problem: "'port' is already set on line 3")
    }

    @Test func rejectsARepeatedSectionAndANameOnASingleSection() {
        Self.expectError(
            "[room]\nname = a\n[sockets]\n[room]\n", line: 4, field: "[room]",
            problem: "[room] already appeared on line 1")
        Self.expectError(
            "[sockets main]\n", line: 1, field: "[sockets main]", problem: "[sockets] does not take a name")
    }

    @Test func rejectsAMissingEquals() {
        Self.expectError("[room]\nname\n", line: 2, field: "[room]", problem: "'name' has no '='")
    }

    // MARK: Value errors

    @Test func rejectsRelativeAndEmptyDirectories() {
        let error = Self.expectError(
            "[room]\nruntime-dir = run/vhr\n", line: 2, field: "[room] runtime-dir",
            problem: "'run/vhr' is not an absolute path")
        #expect(error?.fix == "write the full path, starting with /")
        Self.expectError("[room]\nstate-dir =\n", line: 2, field: "[room] state-dir", problem: "the path is empty")
        Self.expectError(
            "[room]\nprofiles-dir = /etc/vhr/../x\n", line: 2, field: "[room] profiles-dir",
            problem: "'/etc/vhr/../x' contains . or .. components")
        Self.expectError(
            "[upload]\nurl = https://a\ntoken-file = token\n", line: 3, field: "[upload] token-file",
            problem: "'token' is not an absolute path")
    }

    @Test func rejectsAnEmptyRoomName() {
        Self.expectError("[room]\nname =  \n", line: 2, field: "[room] name", problem: "the room name is empty")
    }

    @Test func rejectsBadSocketNames() {
        Self.expectError(
            "[sockets]\ncontrol = /run/vhr/control.sock\n", line: 2, field: "[sockets] control",
            problem: "'/run/vhr/control.sock' is not a plain file name")
        Self.expectError("[sockets]\nstream = ..\n", line: 2, field: "[sockets] stream")
        Self.expectError(
            "[sockets]\nstream =\n", line: 2, field: "[sockets] stream", problem: "the socket name is empty")
        Self.expectError(
            "[sockets]\nstream = \(String(repeating: "s", count: 65))\n", line: 2, field: "[sockets] stream")
        Self.expectError(
            "[sockets]\nstream = control.sock\n", line: 2, field: "[sockets] stream",
            problem: "the control and stream sockets are both named 'control.sock'")
        Self.expectError(
            "[sockets]\ncontrol = stream.sock\n", line: 2, field: "[sockets] control",
            problem: "the control and stream sockets are both named 'stream.sock'")
    }

    @Test(arguments: [
        ("ftp://example.org/", "'ftp://example.org/' is not an https:// URL"),
        ("example.org", "'example.org' is not an https:// URL"),
        ("http://fhir.example.org/r4", "plain http:// is only allowed to this machine (127.0.0.1, localhost or [::1])"),
        ("http://127.0.0.2/", "plain http:// is only allowed to this machine (127.0.0.1, localhost or [::1])"),
        ("https://user:pw@example.org/", "the URL contains credentials"),
        ("https://exa mple.org/", "'https://exa mple.org/' contains spaces or control characters"),
        ("https:///path", "'https:///path' has no host"),
        ("https://example.org:0/", "'0' in 'https://example.org:0/' is not a port number"),
        ("https://example.org:http/", "'http' in 'https://example.org:http/' is not a port number"),
        ("https://[::1/", "the IPv6 address in 'https://[::1/' has no closing ']'"),
        ("https://[::1]x/", "'https://[::1]x/' has text after the IPv6 address"),
    ])
    func rejectsBadUploadURLs(url: String, problem: String) {
        Self.expectError("[upload]\nurl = \(url)\n", line: 2, field: "[upload] url", problem: problem)
    }

    @Test func rejectsAnUploadSectionWithoutURL() {
        Self.expectError(
            "# upload\n[upload]\ntoken-file = /etc/vhr/t\n", line: 2, field: "[upload] url",
            problem: "[upload] has no url")
    }

    @Test func rejectsAnUnknownRole() {
        let error = Self.expectError(
            "[access]\nclinicain = group:vhr-bridge\n", line: 2, field: "[access] clinicain",
            problem: "unknown role 'clinicain'")
        #expect(error?.fix == "did you mean 'clinician'? the roles are kiosk, clinician, technician")
        let far = Self.expectError("[access]\nadmin = uid:0\n", line: 2, field: "[access] admin")
        #expect(far?.fix == "the roles are kiosk, clinician, technician")
    }

    @Test(arguments: [
        ("usr:bob", "'usr:bob' is not a principal"),
        ("bob", "'bob' is not a principal"),
        ("daemon_user", "'daemon_user' is not a principal"),
        ("user:Bob", "'Bob' is not a valid user name"),
        ("group:", "'' is not a valid group name"),
        ("group:9lives", "'9lives' is not a valid group name"),
        ("uid:-1", "'-1' is not a numeric uid"),
        ("gid:4294967295", "'4294967295' is not a numeric gid"),
        ("gid:4294967296", "'4294967296' is not a numeric gid"),
        ("uid:0x10", "'0x10' is not a numeric uid"),
    ])
    func rejectsBadPrincipals(principal: String, problem: String) {
        Self.expectError(
            "[access]\nkiosk = group:vhr-kiosk, \(principal)\n", line: 2, field: "[access] kiosk", problem: problem)
    }

    @Test func rejectsAnEmptyPrincipalList() {
        Self.expectError(
            "[access]\nkiosk = , \n", line: 2, field: "[access] kiosk", problem: "no principals are listed")
    }

    // MARK: Device errors

    @Test func rejectsADuplicateDeviceName() {
        let error = Self.expectError(
            "[device cuff]\nprofile = a\n\n[device cuff]\nprofile = b\n", line: 4, field: "[device cuff]",
            problem: "a device named 'cuff' is already defined on line 1")
        #expect(error?.fix == "give each device its own name, like cuff-2")
    }

    @Test func rejectsBadDeviceNames() {
        let error = Self.expectError(
            "[device Left Cuff]\nprofile = a\n", line: 1, field: "[device Left Cuff]",
            problem: "the device name 'Left Cuff' may only contain a-z, 0-9 and '-'")
        #expect(error?.fix == "rename it, like [device left-cuff]")
        Self.expectError("[device]\nprofile = a\n", line: 1, field: "[device]", problem: "the device has no name")
        Self.expectError("[device cuff_1]\nprofile = a\n", line: 1, field: "[device cuff_1]")
    }

    @Test func rejectsADeviceWithoutProfile() {
        Self.expectError(
            "[device cuff]\nspeed = 2\n", line: 1, field: "[device cuff] profile", problem: "the device has no profile")
        Self.expectError(
            "[device cuff]\nprofile =\n", line: 2, field: "[device cuff] profile", problem: "the profile is empty")
    }

    // MARK: Validation

    static let catalog = ProfileCatalog.embedded(knownFamilies: ["simulated-cuff", "simulated-stethoscope"])

    @Test func validationNamesAnUnknownProfileWithItsLine() throws {
        let config = try RoomConfig.parse(
            "[room]\nname = r\n\n[device cuff]\n# the cuff\nprofile = omron-x\n", file: Self.file)
        let error = #expect(throws: ConfigError.self) { try config.validate(against: Self.catalog) }
        #expect(
            error?.description
                == "/etc/vhr/vhrd.conf:6: [device cuff] profile: no profile named 'omron-x'. Fix: use one of "
                + "simulated-bp-cuff, simulated-stethoscope, or add DeviceProfiles/omron-x.json")
    }

    @Test func validationRequiresADevice() throws {
        let config = try RoomConfig.parse("[room]\nname = r\n", file: Self.file)
        let error = #expect(throws: ConfigError.self) { try config.validate(against: Self.catalog) }
        #expect(error?.line == nil)
        #expect(error?.field == "[device NAME]")
        #expect(error?.problem == "no devices are configured")
    }

    @Test func validationChecksDeviceNamesOfBuiltConfigs() {
        let cuff = DeviceConfig(id: "cuff", profile: "simulated-bp-cuff", line: 3)
        let twice = RoomConfig(source: "built", devices: [cuff, cuff])
        let duplicate = #expect(throws: ConfigError.self) { try twice.validate(against: Self.catalog) }
        #expect(duplicate?.problem == "a device named 'cuff' is already defined on line 3")
        let badName = RoomConfig(
            source: "built", devices: [DeviceConfig(id: "Cuff", profile: "simulated-bp-cuff", line: 7)])
        let bad = #expect(throws: ConfigError.self) { try badName.validate(against: Self.catalog) }
        #expect(bad?.line == 7)
        #expect(bad?.field == "[device Cuff]")
    }

    @Test func validationWithAnEmptyCatalogOnlySuggestsAddingTheFile() throws {
        let config = RoomConfig(source: "built", devices: [DeviceConfig(id: "cuff", profile: "x", line: 1)])
        let error = #expect(throws: ConfigError.self) { try config.validate(against: ProfileCatalog(profiles: [])) }
        #expect(error?.fix == "add DeviceProfiles/x.json")
    }
}
