/// How severe a log record is, with syslog/journald priority numbers as raw values: journald
/// reads the `<N>` prefix of each stderr line as the record's priority.
///
/// Comparison is by severity: `.debug < .info < … < .emergency`, so "log it if
/// `level >= minimumLevel`" reads naturally even though the raw numbers run the other way.
public enum LogLevel: Int, Sendable, Hashable, CaseIterable, Codable, Comparable, CustomStringConvertible {
    /// The system is unusable (0).
    case emergency = 0
    /// Act now (1).
    case alert = 1
    /// Critical condition (2).
    case critical = 2
    /// An error (3).
    case error = 3
    /// Something unexpected that vhrd handled (4).
    case warning = 4
    /// Normal but significant: visits, device arrivals (5).
    case notice = 5
    /// Informational (6).
    case info = 6
    /// Debugging detail (7).
    case debug = 7

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        lhs.rawValue > rhs.rawValue
    }

    /// The level's name as written in configuration files and `vhrctl` options.
    public var name: String {
        switch self {
        case .emergency: "emergency"
        case .alert: "alert"
        case .critical: "critical"
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }

    /// Parses a level name ("info", "warning", …), ignoring case; `nil` for anything else.
    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }

    public var description: String { name }
}
