/// A report that cannot be read: the field named is missing or malformed.
public struct DiagnosticsReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public init(field: String) { self.field = field }
    public var description: String {
        "the diagnostics report's '\(field)' is missing or malformed; use a vhrctl of the same version as vhrd"
    }
}
