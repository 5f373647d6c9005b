import Foundation
import Testing

@testable import VHRCore

/// Keeps `docs/configuration.md` and `docs/vhrd.conf.example` true to the parser.
@Suite struct RoomConfigParserTests {
    /// The repository, found from this file's path (`Tests/VHRCoreTests/Config/…`).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func document(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theExampleConfigurationParsesAndValidates() throws {
        let config = try RoomConfig.parse(try Self.document("docs/vhrd.conf.example"), file: "vhrd.conf.example")
        try config.validate(
            against: ProfileCatalog.embedded(knownFamilies: ["simulated-cuff", "simulated-stethoscope"]))
        #expect(config.devices.map(\.id) == ["cuff", "stethoscope"])
        #expect(config.upload?.url.hasPrefix("https://") == true)
        #expect(config.access.contains(AccessRule(role: .kiosk, principal: .group("vhr-kiosk"))))
        #expect(config.access.contains(AccessRule(role: .clinician, principal: .group("vhr-bridge"))))
        #expect(config.access.contains(AccessRule(role: .technician, principal: .group("vhr-tech"))))
    }

    @Test func theDocumentationDescribesEverySectionAndKey() throws {
        let text = try Self.document("docs/configuration.md")
        for (section, keys) in RoomConfigParser.knownKeys {
            #expect(text.contains(section == "device" ? "## `[device NAME]`" : "## `[\(section)]`"), "\(section)")
            for key in keys {
                #expect(text.contains("| `\(key)` |"), "[\(section)] \(key)")
            }
        }
    }

    @Test func theDocumentedSimulatedRoomIsTheEmbeddedOne() throws {
        let text = try Self.document("docs/configuration.md")
        let settings = RoomConfig.simulatedRoomText.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.contains("```ini\n\(settings)\n```"))
    }
}
