/// A failure of the FHIR lab (the venv, a server, the proxy, a query), saying what to do.
public struct FHIRLabError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
