/// Why a measurement cannot be turned into FHIR resources.
///
/// These are found at capture, before anything is stored, so the room can refuse the
/// measurement visibly instead of queueing a bundle the server would reject forever.
public enum FHIRMappingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An identifier's system or value is empty or holds a character that FHIR search syntax
    /// gives a meaning (`|`, `,`, `$`, `\`, `&`, `#`, `%`, `+`, `?`, `=`), or whitespace.
    case unsafeIdentifier(field: String)
    /// A pressure or pulse value is not positive.
    case implausibleReading(field: String, value: Int)

    public var description: String {
        switch self {
        case .unsafeIdentifier(let field):
            "the \(field) identifier must be non-empty visible text without spaces or any of | , $ \\ & # % + ? =;"
                + " fix it in the room configuration or at the kiosk"
        case .implausibleReading(let field, let value):
            "the reading's \(field) is \(value), which is not a measurement; check the cuff's decoder"
        }
    }
}
