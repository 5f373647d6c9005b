import Foundation
import VHRCore
import VHRSystem

/// `vhrctl profiles list` and `vhrctl profiles generate-udev DIR`: the device profiles this vhr
/// knows (built in, plus a profiles directory), and the udev files made from them. Local, without
/// vhrd: a packager runs `generate-udev`, a technician `list`.
enum ProfilesCommand {
    /// Where vhrd reads profiles when the room names no directory (`DaemonOptions`).
    static let defaultProfilesDirectory = "/usr/share/vhr/profiles"

    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        guard let action = reader.nextWord() else {
            throw CommandFailure(.usage, "profiles needs an action: list, or generate-udev DIR")
        }
        let directory = try reader.option("--profiles-dir")
        switch action {
        case "list":
            try reader.finish()
            list(try catalog(directory, builtInWhenAbsent: true), json: context.json)
        case "generate-udev":
            guard let output = reader.nextWord() else {
                throw CommandFailure(.usage, "generate-udev needs the directory to write to, like udev/")
            }
            try reader.finish()
            try generate(into: output, catalog: try catalog(directory), json: context.json)
        default:
            throw CommandFailure(.usage, "unknown profiles action '\(action)'; use list or generate-udev DIR")
        }
    }

    /// The built-in profiles merged with a directory's, as vhrd merges them (the directory's
    /// win). Families are not checked: vhrctl does not link the device families, and neither the
    /// list nor the udev files depend on them.
    ///
    /// - Parameter builtInWhenAbsent: with no directory named and none installed, use the
    ///   built-in profiles alone, as vhrd does (listing); generating udev files wants them all.
    static func catalog(_ directory: String?, builtInWhenAbsent: Bool = false) throws(CommandFailure)
        -> ProfileCatalog
    {
        let embedded = try decode(EmbeddedProfiles.files)
        let path = directory ?? defaultProfilesDirectory
        if directory == nil, builtInWhenAbsent, !Directories.isDirectory(path) { return embedded }
        guard Directories.isDirectory(path) else {
            if directory == nil {
                throw CommandFailure(
                    .usage, "no profiles directory at \(path)",
                    hint: "install vhr, or name one: --profiles-dir DeviceProfiles")
            }
            throw CommandFailure(.usage, "\(path) is not a directory of profiles")
        }
        var files: [(name: String, data: Data)] = []
        do throws(FileSystemError) {
            for name in try Directories.listDirectory(path: path) where name.hasSuffix(".json") {
                files.append((name, Data(try Directories.readFile(path: path + "/" + name))))
            }
        } catch {
            throw CommandFailure(.failed, "\(error)", hint: error.hint)
        }
        return embedded.merging(try decode(files))
    }

    private static func decode(_ files: [(name: String, data: Data)]) throws(CommandFailure) -> ProfileCatalog {
        do throws(ProfileError) {
            var profiles: [DeviceProfile] = []
            for file in files {
                profiles.append(try DeviceProfile.decode(file.data, file: file.name))
            }
            return try ProfileCatalog(profiles: profiles)
        } catch {
            throw CommandFailure(.failed, "\(error)")
        }
    }

    private static func generate(into directory: String, catalog: ProfileCatalog, json: Bool) throws(CommandFailure) {
        let udev = UdevRules(catalog: catalog)
        var written: [String] = []
        do throws(FileSystemError) {
            try Directories.ensureDirectory(path: directory, mode: 0o755)
            for file in udev.files {
                let path = directory + "/" + file.name
                try Directories.writeFileAtomically(path: path, bytes: Array(file.text.utf8), permissions: 0o644)
                written.append(path)
            }
        } catch {
            throw CommandFailure(.failed, "\(error)", hint: error.hint)
        }
        // A refused rule leaves one model out, not the room: say so loudly, but write the rest.
        for refusal in udev.refusals { Output.error("vhrctl: warning: \(refusal)") }
        if json {
            Output.json(
                .object([
                    "written": .array(written.map { .string($0) }),
                    "refused": .array(udev.refusals.map { .string($0.description) }),
                ]))
        } else {
            written.forEach(Output.line)
        }
    }

    private static func list(_ catalog: ProfileCatalog, json: Bool) {
        let rows = catalog.all.map { profile in
            (profile, profile.match.map(matchText).joined(separator: ", "))
        }
        if json {
            for (profile, _) in rows {
                Output.json(
                    .object([
                        "id": .string(profile.id), "name": .string(profile.name),
                        "kind": .string(profile.kind.rawValue),
                        "family": .string(profile.family), "transport": .string(profile.transport.rawValue),
                        "match": .array(profile.match.map { .string(matchText($0)) }),
                    ]))
            }
            return
        }
        let header = ["ID", "KIND", "FAMILY", "TRANSPORT", "MATCHES"]
        let table =
            [header]
            + rows.map { profile, matches in
                [
                    profile.id, profile.kind.rawValue, profile.family, profile.transport.rawValue,
                    matches.isEmpty ? (profile.transport == .serial ? "enrolled by the room" : "-") : matches,
                ]
            }
        let widths = (0..<header.count - 1).map { column in table.map { $0[column].count }.max() ?? 0 }
        for row in table {
            let padded = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
            Output.line((padded + [row[header.count - 1]]).joined(separator: "  "))
        }
    }

    /// A match rule as a technician compares it with `lsusb`: `usb 0590:0090`, `usbInterface 0f`.
    static func matchText(_ rule: DeviceProfile.MatchRule) -> String {
        let hex = DeviceProfile.MatchRule.hex
        switch rule {
        case .usb(let vendor, let product):
            return "usb \(hex(vendor)):\(hex(product))"
        case .usbInterface(let interfaceClass):
            let digits = String(interfaceClass, radix: 16)
            return "usbInterface " + String(repeating: "0", count: 2 - digits.count) + digits
        case .serial(let vendor, let product, let serialNumber):
            return "serial \(hex(vendor)):\(hex(product))" + (serialNumber.map { " serial \($0)" } ?? "")
        case .alsa(let vendor, let product, let cardName):
            return "alsa \(hex(vendor)):\(hex(product))" + (cardName.map { " card \($0)" } ?? "")
        }
    }
}
