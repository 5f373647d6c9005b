import Foundation
import Testing
import VHRCore

@Suite struct EmbeddedProfilesTests {
    /// The repository's `DeviceProfiles/`, found from this file's path
    /// (`Tests/VHRCoreTests/Config/EmbeddedProfilesTests.swift`).
    static let profilesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("DeviceProfiles")

    static func profileFiles() throws -> [(name: String, data: Data)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: profilesDirectory.path)
        return try names.filter { $0.hasSuffix(".json") }.sorted().map {
            ($0, try Data(contentsOf: profilesDirectory.appendingPathComponent($0)))
        }
    }

    @Test func embeddedTextIsByteIdenticalToTheFiles() throws {
        let embedded = EmbeddedProfiles.files
        let files = try Self.profileFiles().filter { $0.name.hasPrefix("simulated-") }
        #expect(embedded.map(\.name) == files.map(\.name))
        for (file, copy) in zip(files, embedded) {
            #expect(copy.data == file.data, "EmbeddedProfiles differs from DeviceProfiles/\(file.name): copy the file")
        }
    }

    @Test func everyFileInDeviceProfilesDecodes() throws {
        let files = try Self.profileFiles()
        #expect(files.count >= 2)
        let catalog = try ProfileCatalog.load(
            files: files,
            knownFamilies: [
                "simulated-cuff", "simulated-stethoscope", "uac-stethoscope", "ieee11073-cuff", "suntech-cuff",
                "omron-cuff",
            ])
        #expect(catalog.all.count == files.count)
    }
}
