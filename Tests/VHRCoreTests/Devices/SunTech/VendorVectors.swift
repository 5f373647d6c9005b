import Foundation

@testable import VHRCore

/// Reads the vendor-protocol vector files copied into `Tests/Fixtures/bp/`.
enum VendorVectors {
    static func file(_ name: String) -> JSONValue {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/bp/\(name)")
        // A missing or broken fixture must fail loudly, not run zero vectors.
        let text = try! String(contentsOf: url, encoding: .utf8)
        return try! JSONValue(parsing: text)
    }

    /// "3e 05 02 01 ba" → bytes; "xx" (a byte the source leaves unspecified) is skipped.
    static func bytes(_ hex: String) -> [UInt8] {
        hex.split(separator: " ").compactMap { $0 == "xx" ? nil : UInt8($0, radix: 16) }
    }
}
