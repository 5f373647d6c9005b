/// A FHIR `Reference` in one of the forms the mapping uses.
public enum FHIRReference: Sendable, Equatable, Hashable {
    /// A logical reference by identifier (`type` + `identifier`): the server does not resolve
    /// it, so it cannot fail a transaction. Used for the visit and in standalone resources.
    case identifier(type: String, FHIRIdentifier)
    /// A conditional reference (`Patient?identifier=system|value`) that the server resolves
    /// inside a transaction; zero or several matches fail the whole transaction.
    case conditional(type: String, FHIRIdentifier)
    /// A literal reference, such as another entry's `urn:uuid:` fullUrl in the same bundle.
    case literal(String)

    /// The reference as FHIR JSON.
    public var json: JSONValue {
        switch self {
        case .identifier(let type, let identifier):
            ["type": .string(type), "identifier": identifier.json]
        case .conditional(let type, let identifier):
            ["reference": .string(type + "?identifier=" + identifier.searchToken)]
        case .literal(let reference):
            ["reference": .string(reference)]
        }
    }
}
