import Foundation

/// A FHIR `Identifier`: a value in a namespace (`system`).
///
/// Identifiers end up inside search expressions (`ifNoneExist`, conditional references), so
/// the initializer refuses characters that search syntax would read as operators; that way
/// the search always matches the identifier exactly and no escaping is needed.
public struct FHIRIdentifier: Sendable, Equatable, Hashable {
    public let system: String
    public let value: String

    /// Validates both parts; `field` names the identifier in the error.
    public init(system: String, value: String, field: String = "resource") throws(FHIRMappingError) {
        guard Self.isSearchSafe(system), Self.isSearchSafe(value) else {
            throw .unsafeIdentifier(field: field)
        }
        self.system = system
        self.value = value
    }

    /// The `urn:uuid:` identifier of a measurement: system `urn:ietf:rfc:3986`, as the research
    /// and the PHD IG use for the idempotency key.
    public static func uuid(_ uuid: UUID) -> FHIRIdentifier {
        FHIRIdentifier(checked: FHIRSystem.uri, "urn:uuid:" + uuid.uuidString.lowercased())
    }

    /// A patient's Swedish personal identity number.
    public static func personnummer(_ number: String) throws(FHIRMappingError) -> FHIRIdentifier {
        try FHIRIdentifier(system: FHIRSystem.personnummer, value: number, field: "patient")
    }

    /// `system|value`, the token form FHIR search uses.
    public var searchToken: String { system + "|" + value }

    /// The conditional-create criterion that matches exactly this identifier.
    public var ifNoneExist: String { "identifier=" + searchToken }

    /// The identifier as FHIR JSON.
    public var json: JSONValue { ["system": .string(system), "value": .string(value)] }

    private init(checked system: String, _ value: String) {
        self.system = system
        self.value = value
    }

    private static let searchOperators: Set<Unicode.Scalar> = ["|", ",", "$", "\\", "&", "#", "%", "+", "?", "="]

    private static func isSearchSafe(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.value > 0x20 && $0.value != 0x7F && !$0.properties.isWhitespace && !searchOperators.contains($0)
            }
    }
}
