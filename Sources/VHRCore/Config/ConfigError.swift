/// A problem in the room's configuration file, said so that a technician can fix it without
/// reading code: which file, which line, which section and key, what is wrong, and what to do.
///
/// Its description reads like a compiler diagnostic:
///
///     /etc/vhr/vhrd.conf:12: [device cuff] profile: no profile named 'omron-x'. Fix: use one of …
///
/// Device families throw it too, for the options of a `[device NAME]` section they reject
/// (see ``DeviceConfig/optionError(_:file:problem:fix:)``).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file's path, or the name of an embedded configuration.
    public var file: String
    /// The 1-based line the problem is on; `nil` when it concerns the file as a whole.
    public var line: Int?
    /// Where in the file: `[section] key`, or `[section]` for the section itself.
    public var field: String
    /// What is wrong, as one sentence without a final period.
    public var problem: String
    /// What to change, as one sentence without a final period.
    public var fix: String

    public init(file: String, line: Int?, field: String, problem: String, fix: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let field = field.isEmpty ? "" : " \(field):"
        return "\(location):\(field) \(problem). Fix: \(fix)"
    }
}
