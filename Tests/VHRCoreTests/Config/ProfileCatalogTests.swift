import Foundation
import Testing
import VHRCore

@Suite struct ProfileCatalogTests {
    static let families: Set<String> = ["simulated-cuff", "simulated-stethoscope"]

    static func profile(_ id: String, name: String = "Model", family: String = "simulated-cuff") -> DeviceProfile {
        DeviceProfile(id: id, name: name, vendor: "V", kind: .bloodPressureCuff, family: family, transport: .simulated)
    }

    static func file(_ profile: DeviceProfile) throws -> (name: String, data: Data) {
        ("\(profile.id).json", try JSONEncoder().encode(profile))
    }

    @Test func listsProfilesSortedAndFindsThemByID() throws {
        let catalog = try ProfileCatalog(profiles: [Self.profile("b"), Self.profile("a"), Self.profile("c")])
        #expect(catalog.all.map(\.id) == ["a", "b", "c"])
        #expect(catalog.profile("b") == Self.profile("b"))
        #expect(catalog.profile("d") == nil)
    }

    @Test func rejectsDuplicateIDs() {
        let error = #expect(throws: ProfileError.self) {
            try ProfileCatalog(profiles: [Self.profile("a"), Self.profile("b"), Self.profile("a", name: "Other")])
        }
        #expect(error?.file == "a.json")
        #expect(error?.field == "id")
        #expect(error?.problem == "two profiles have the id \"a\"")
    }

    @Test func mergingLetsTheOtherCatalogWin() throws {
        let base = try ProfileCatalog(profiles: [Self.profile("a", name: "Base A"), Self.profile("b")])
        let local = try ProfileCatalog(profiles: [Self.profile("a", name: "Local A"), Self.profile("c")])
        let merged = base.merging(local)
        #expect(merged.all.map(\.id) == ["a", "b", "c"])
        #expect(merged.profile("a")?.name == "Local A")
        #expect(local.merging(base).profile("a")?.name == "Base A")
        #expect(base.profile("a")?.name == "Base A")
    }

    @Test func loadSkipsFilesThatAreNotJSON() throws {
        let files = [try Self.file(Self.profile("a")), ("README.md", Data("# Profiles".utf8))]
        let catalog = try ProfileCatalog.load(files: files, knownFamilies: Self.families)
        #expect(catalog.all.map(\.id) == ["a"])
    }

    @Test func loadRejectsAnUnknownFamily() throws {
        let files = [try Self.file(Self.profile("a")), try Self.file(Self.profile("b", family: "omron-hem"))]
        let error = #expect(throws: ProfileError.self) {
            try ProfileCatalog.load(files: files, knownFamilies: Self.families)
        }
        #expect(error?.file == "b.json")
        #expect(error?.field == "family")
        #expect(error?.problem == "no device family named \"omron-hem\"")
        #expect(
            error?.fix == "use one of \"simulated-cuff\", \"simulated-stethoscope\", or add the family to VHRDevices")
    }

    @Test func loadReportsTheFileOfABadProfile() throws {
        let files = [try Self.file(Self.profile("a")), ("b.json", Data("{}".utf8))]
        let error = #expect(throws: ProfileError.self) {
            try ProfileCatalog.load(files: files, knownFamilies: Self.families)
        }
        #expect(error?.file == "b.json")
        #expect(error?.field == "id")
        #expect(error?.problem == "\"id\" is missing")
    }

    @Test func embeddedCuffParametersFitTheCuffSimulation() throws {
        let catalog = ProfileCatalog.embedded(knownFamilies: Self.families)
        let cuff = try #require(catalog.profile("simulated-bp-cuff"))
        let parameters = try cuff.decodeParameters(as: CuffSimulation.Parameters.self)
        #expect(parameters == .standard)
        #expect(parameters.invalidReason == nil)
    }

    @Test func embeddedCatalogHoldsTheSimulatedProfiles() throws {
        let catalog = ProfileCatalog.embedded(knownFamilies: Self.families)
        #expect(catalog.all.map(\.id) == ["simulated-bp-cuff", "simulated-stethoscope"])
        let cuff = try #require(catalog.profile("simulated-bp-cuff"))
        #expect(cuff.kind == .bloodPressureCuff)
        #expect(cuff.family == "simulated-cuff")
        #expect(cuff.transport == .simulated)
        #expect(cuff.int("maxPressure") == 300)
        #expect(cuff.double("inflateRate") == 12)
        #expect(cuff.double("deflateRate") == 4)
        #expect(cuff.double("exhaustRate") == 40)
        #expect(cuff.double("reportRate") == 5)
        #expect(cuff.double("deviceTimeout") == 10)
        #expect(cuff.double("reconnectDelay") == 3)
        let stethoscope = try #require(catalog.profile("simulated-stethoscope"))
        #expect(stethoscope.kind == .stethoscope)
        #expect(stethoscope.string("source") == "recording:physionet2016_c0003_normal")
        #expect(stethoscope.int("blockMilliseconds") == 10)
    }
}
