import Foundation

/// The device profiles the daemon knows, by id: the embedded ones, merged with those read from
/// the room's profiles directory.
public struct ProfileCatalog: Sendable, Equatable {
    private var profiles: [String: DeviceProfile]

    /// A catalog of `profiles`; two profiles with the same id are refused.
    public init(profiles: [DeviceProfile]) throws(ProfileError) {
        var byID: [String: DeviceProfile] = [:]
        for profile in profiles {
            guard byID[profile.id] == nil else {
                throw ProfileError(
                    file: "\(profile.id).json", field: "id", problem: "two profiles have the id \"\(profile.id)\"",
                    fix: "remove one of them, or give one its own id and file name")
            }
            byID[profile.id] = profile
        }
        self.profiles = byID
    }

    /// Decodes profile files already read from a directory: every name ending in `.json` is a
    /// profile, other names (such as `README.md`) are skipped. Each profile's family must be one
    /// of `knownFamilies`.
    public static func load(
        files: [(name: String, data: Data)], knownFamilies: Set<String>
    ) throws(ProfileError) -> ProfileCatalog {
        var profiles: [DeviceProfile] = []
        for file in files.sorted(by: { $0.name < $1.name }) where file.name.hasSuffix(".json") {
            let profile = try DeviceProfile.decode(file.data, file: file.name)
            guard knownFamilies.contains(profile.family) else {
                let known = knownFamilies.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                throw ProfileError(
                    file: file.name, field: "family", problem: "no device family named \"\(profile.family)\"",
                    fix: known.isEmpty
                        ? "this vhrd has no device families; check the build"
                        : "use one of \(known), or add the family to VHRDevices")
            }
            profiles.append(profile)
        }
        return try ProfileCatalog(profiles: profiles)
    }

    /// The profiles compiled into VHRCore (``EmbeddedProfiles``), so that `vhrd --simulate`
    /// needs no files. Their families must be in `knownFamilies`: anything else is a build error,
    /// and stops the program.
    public static func embedded(knownFamilies: Set<String>) -> ProfileCatalog {
        do {
            return try load(files: EmbeddedProfiles.files, knownFamilies: knownFamilies)
        } catch {
            preconditionFailure("embedded device profiles are invalid: \(error)")
        }
    }

    /// The profile with `id`, if any.
    public func profile(_ id: String) -> DeviceProfile? {
        profiles[id]
    }

    /// Every profile, sorted by id.
    public var all: [DeviceProfile] {
        profiles.values.sorted { $0.id < $1.id }
    }

    /// This catalog with `other`'s profiles added; where both have an id, `other`'s wins (a room's
    /// own profile overrides the built-in one).
    public func merging(_ other: ProfileCatalog) -> ProfileCatalog {
        var merged = self
        merged.profiles.merge(other.profiles) { _, theirs in theirs }
        return merged
    }
}
