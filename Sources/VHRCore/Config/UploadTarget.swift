/// Where finished measurements are uploaded and how, from `[upload]` (and `vhrd --upload-*`).
public struct UploadTarget: Sendable, Equatable {
    /// The FHIR base URL: `https://`, or `http://` only to this machine (a local relay).
    public var url: String
    /// An absolute path to a file holding the bearer token, read before each attempt so a
    /// renewed token needs no restart; `nil` falls back to the systemd credential
    /// `upload-token` (`$CREDENTIALS_DIRECTORY/upload-token`), and then to no token.
    public var tokenFile: String?
    /// An absolute path to PEM certificates to trust for the server instead of the system's
    /// store (a care provider's private CA). Verification itself cannot be turned off.
    public var caFile: String?
    /// The identifier system of the visit's patient id.
    public var patientSystem: String
    /// The identifier system of the room's visit ids, sent as the encounter's identifier.
    public var visitSystem: String
    /// The identifier system of the room's devices (`<room name>/<device name>`).
    public var deviceSystem: String
    /// Sustained uploads per second when a backlog drains.
    public var rate: Double
    /// Uploads allowed at once after an idle spell.
    public var burst: Int
    /// The longest one request may take, connection included, in seconds.
    public var timeoutSeconds: Int

    public static let defaultPatientSystem = "http://electronichealth.se/identifier/personnummer"
    public static let defaultVisitSystem = "urn:vhr:visit"
    public static let defaultDeviceSystem = "urn:vhr:device"
    public static let defaultRate = 2.0
    public static let defaultBurst = 10
    public static let defaultTimeoutSeconds = 30

    public init(
        url: String, tokenFile: String? = nil, caFile: String? = nil, patientSystem: String = defaultPatientSystem,
        visitSystem: String = defaultVisitSystem, deviceSystem: String = defaultDeviceSystem,
        rate: Double = defaultRate, burst: Int = defaultBurst, timeoutSeconds: Int = defaultTimeoutSeconds
    ) {
        self.url = url
        self.tokenFile = tokenFile
        self.caFile = caFile
        self.patientSystem = patientSystem
        self.visitSystem = visitSystem
        self.deviceSystem = deviceSystem
        self.rate = rate
        self.burst = burst
        self.timeoutSeconds = timeoutSeconds
    }
}

extension UploadTarget {
    /// Why `url` cannot be the upload endpoint, with the fix, or `nil` if it can: the check
    /// `[upload] url` gets, for `vhrd --upload-url` too.
    public static func urlProblem(_ url: String) -> (problem: String, fix: String)? {
        RoomConfigParser.uploadURLProblem(url)
    }
}
