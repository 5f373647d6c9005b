import Foundation

/// Name-based UUIDs, version 5 (RFC 9562 §5.5): the same namespace and name always give the same
/// UUID, on every machine and in every run.
///
/// vhr uses them so that an identifier can be recomputed from what it names rather than stored
/// random bits alone; see ``MeasurementIdentity``.
public enum NameBasedUUID {
    /// RFC 9562 §6.6 namespace for fully qualified domain names.
    public static let dnsNamespace = UUID(
        uuid: (
            0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8
        ))
    /// RFC 9562 §6.6 namespace for URLs.
    public static let urlNamespace = UUID(
        uuid: (
            0x6B, 0xA7, 0xB8, 0x11, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8
        ))
    /// RFC 9562 §6.6 namespace for ISO object identifiers.
    public static let oidNamespace = UUID(
        uuid: (
            0x6B, 0xA7, 0xB8, 0x12, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8
        ))
    /// RFC 9562 §6.6 namespace for X.500 distinguished names.
    public static let x500Namespace = UUID(
        uuid: (
            0x6B, 0xA7, 0xB8, 0x14, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8
        ))

    /// The version 5 UUID of `name` in `namespace`: the first 16 bytes of
    /// SHA-1(namespace bytes ‖ name), with the version set to 5 and the variant to RFC 9562 (`10`).
    public static func version5<Name: Sequence<UInt8>>(namespace: UUID, name: Name) -> UUID {
        var hash = SHA1()
        hash.update(bytes(of: namespace))
        hash.update(name)
        var digest = hash.finalize()
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
            ))
    }

    /// The version 5 UUID of `name`'s UTF-8 bytes in `namespace`, as RFC 9562's examples and
    /// Python's `uuid.uuid5` compute it for text names.
    public static func version5(namespace: UUID, name: String) -> UUID {
        version5(namespace: namespace, name: Array(name.utf8))
    }

    /// The 16 bytes of `uuid` in network order, the order RFC 9562 hashes the namespace in.
    public static func bytes(of uuid: UUID) -> [UInt8] {
        let u = uuid.uuid
        return [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
    }
}
