import Foundation

/// The UUIDs of a measurement's FHIR resources, derived from the measurement's own UUID.
///
/// One stored measurement becomes several FHIR resources (the panel, the pulse, bundle
/// placeholders), and each needs its own UUID. Deriving them (RFC 9562 version 5, with the
/// measurement's UUID as the namespace) instead of drawing random ones keeps the bundle a pure
/// function of the stored row: a retry sends the same bytes and the same identifiers, so the
/// server's conditional create recognises it.
public enum FHIRDerivedID {
    /// The version-5 UUID for `name` in the namespace `base`.
    public static func uuid(_ base: UUID, _ name: String) -> UUID {
        NameBasedUUID.version5(namespace: base, name: name)
    }
}
