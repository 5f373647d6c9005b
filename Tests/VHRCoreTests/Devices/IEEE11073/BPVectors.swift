import Foundation
import Testing
import VHRCore

/// The BP test vectors in `Tests/Fixtures/bp/` (copies of the research vectors), or in
/// `$VHR_SHARED_VECTORS` when set.
enum BPVectors {
    struct Vector: Sendable, CustomTestStringConvertible {
        var file: String
        var id: String
        var bytes: [UInt8]
        var expected: JSONValue
        var validity: String

        var isMalformed: Bool { validity == "MALFORMED" }
        var testDescription: String { id }
    }

    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["VHR_SHARED_VECTORS"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/bp")
    }()

    static let apduFiles = ["antidote.json", "freescale-phdc-bpm.json", "atmel-asf-phdc.json"]

    static func load(_ file: String) -> JSONValue {
        let url = directory.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url), let value = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { fatalError("cannot read test vectors \(url.path)") }
        return value
    }

    static func bytes(_ hex: String) -> [UInt8] {
        guard let bytes = try? Hex.parse(hex) else { fatalError("bad hex in vectors: \(hex)") }
        return bytes
    }

    static let apdus: [Vector] = apduFiles.flatMap { file in
        (load(file)["vectors"]?.arrayValue ?? []).map { vector in
            Vector(
                file: file, id: vector["id"]?.stringValue ?? "?", bytes: bytes(vector["hex"]?.stringValue ?? ""),
                expected: vector["expected"] ?? .null, validity: vector["validity"]?.stringValue ?? "")
        }
    }

    static let wellFormed = apdus.filter { !$0.isMalformed }
    static let malformed = apdus.filter(\.isMalformed)

    static func vector(_ id: String) -> Vector {
        guard let vector = apdus.first(where: { $0.id == id }) else { fatalError("no vector \(id)") }
        return vector
    }

    /// Parses `"0x02BC"` and plain numbers.
    static func number(_ value: JSONValue?) -> Int? {
        if let int = value?.intValue { return Int(int) }
        guard let text = value?.stringValue else { return nil }
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text.split(separator: " ").first ?? "")
    }
}
