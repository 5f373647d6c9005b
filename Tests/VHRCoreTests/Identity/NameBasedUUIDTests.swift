import Foundation
import Testing
import VHRCore

@Suite struct NameBasedUUIDTests {
    @Test func rfc9562DNSExample() {
        // RFC 9562 Appendix A.4.
        let namespace = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(namespace == NameBasedUUID.dnsNamespace)
        let uuid = NameBasedUUID.version5(namespace: namespace, name: "www.example.com")
        #expect(uuid == UUID(uuidString: "2ed6657d-e927-568b-95e1-2665a8aea6a2")!)
    }

    /// Expectations from Python 3's `uuid.uuid5(namespace, name)`.
    @Test(arguments: [
        (NameBasedUUID.dnsNamespace, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"),
        (NameBasedUUID.dnsNamespace, "", "4ebd0208-8328-5d69-8c44-ec50939c0967"),
        (NameBasedUUID.dnsNamespace, "vhr", "2972651a-bace-534f-9ff6-a575aecd9e23"),
        (NameBasedUUID.dnsNamespace, "é", "ebfe0af8-3997-5ade-b634-ba92cf69f557"),
        (NameBasedUUID.urlNamespace, "http://python.org/", "4c565f0d-3f5a-5890-b41b-20cf47701c5e"),
        (NameBasedUUID.oidNamespace, "1.2.3", "42d5e23b-3a02-5135-85c6-52d1102f1f00"),
        (NameBasedUUID.x500Namespace, "cn=John Doe, o=Example, c=SE", "c334a597-9ff8-5a0a-9d4c-ac15fa025a9d"),
    ])
    func matchesPythonUUID5(namespace: UUID, name: String, expected: String) {
        let uuid = NameBasedUUID.version5(namespace: namespace, name: name)
        #expect(uuid.uuidString.lowercased() == expected)
        #expect(NameBasedUUID.version5(namespace: namespace, name: Array(name.utf8)) == uuid)
    }

    @Test func setsVersion5AndTheRFCVariant() {
        for name in ["", "a", "www.example.com", String(repeating: "x", count: 300)] {
            for namespace in [NameBasedUUID.dnsNamespace, NameBasedUUID.urlNamespace] {
                let bytes = NameBasedUUID.bytes(of: NameBasedUUID.version5(namespace: namespace, name: name))
                #expect(bytes[6] >> 4 == 5)
                #expect(bytes[8] >> 6 == 0b10)
                // The other bits are the hash's: name-based, not random.
                let digest = SHA1.hash(NameBasedUUID.bytes(of: namespace) + Array(name.utf8))
                #expect(Array(bytes[0..<6]) == Array(digest[0..<6]))
                #expect(bytes[6] & 0x0F == digest[6] & 0x0F)
                #expect(bytes[8] & 0x3F == digest[8] & 0x3F)
                #expect(Array(bytes[9..<16]) == Array(digest[9..<16]))
            }
        }
    }

    @Test func theNamespaceSeparatesEqualNames() {
        let dns = NameBasedUUID.version5(namespace: NameBasedUUID.dnsNamespace, name: "example")
        let url = NameBasedUUID.version5(namespace: NameBasedUUID.urlNamespace, name: "example")
        #expect(dns != url)
    }

    @Test func bytesAreInNetworkOrder() {
        let uuid = UUID(uuidString: "00112233-4455-6677-8899-aabbccddeeff")!
        #expect(NameBasedUUID.bytes(of: uuid) == (0..<16).map { UInt8($0 * 0x11) })
    }
}
