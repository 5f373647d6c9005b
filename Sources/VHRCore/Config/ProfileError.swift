/// A problem in a device profile file, said so that whoever adds a model can fix it:
///
///     omron-x.json: match[0].usb.vendor: '59' is not 4 hex digits. Fix: write the USB vendor id …
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The profile's file name (or path).
    public var file: String
    /// Where in the JSON, as a path like `match[0].usb.vendor`; empty for the file as a whole.
    public var field: String
    /// What is wrong, as one sentence without a final period.
    public var problem: String
    /// What to change, as one sentence without a final period.
    public var fix: String

    public init(file: String, field: String, problem: String, fix: String) {
        self.file = file
        self.field = field
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        let field = field.isEmpty ? "" : " \(field):"
        return "\(file):\(field) \(problem). Fix: \(fix)"
    }
}
