import Foundation

/// The udev files that give the daemon its devices, generated from a ``ProfileCatalog``:
/// `70-vhr.hwdb` says which USB models are the room's, `70-vhr.rules` gives them to group `vhr`
/// with stable names under `/dev/vhr/`, and `69-vhr-local.rules.example` shows a technician how
/// to enrol a serial device, which no id can recognise. `vhrctl profiles generate-udev` writes
/// them; the repository's `udev/` holds the result, checked by a test.
///
/// The hwdb tags a model's usb_device and its children with `ID_VHR_PROFILE` (the profile id)
/// and `ID_VHR_CLASS` (`cuff` or `stethoscope`); rules add what a hwdb key cannot say (a serial
/// number, a USB interface class). Every device so tagged, by either or by the local rules, gets
/// `GROUP="vhr"`, `MODE="0660"`, `ID_MM_DEVICE_IGNORE=1` and a link
/// `/dev/vhr/CLASS-PROFILE-UNIT`, where UNIT is `ID_VHR_UNIT` if a local rule set it, else the
/// USB serial number, else the port's `ID_PATH_TAG`. A usb_device's link is under `vhr/usb/`, a
/// hidraw node's under `vhr/hidraw/`; a tty's is right under `vhr/`, as rooms name their ports.
///
/// A rule on a generic USB-serial adapter's ids (``genericSerialAdapters``) without a serial
/// number, or on ids another profile already claims, is refused: left out, with a comment in
/// the file, and listed in ``refusals``.
public struct UdevRules: Sendable, Equatable {
    /// The text of `70-vhr.rules`.
    public var rules: String
    /// The text of `70-vhr.hwdb`.
    public var hwdb: String
    /// The text of `69-vhr-local.rules.example`.
    public var localExample: String
    /// The match rules left out, in profile order.
    public var refusals: [Refusal]

    public static let rulesFileName = "70-vhr.rules"
    public static let hwdbFileName = "70-vhr.hwdb"
    public static let localExampleFileName = "69-vhr-local.rules.example"

    /// Ids of USB-serial adapter chips found inside many unrelated devices: the profile's list
    /// (``DeviceProfile/MatchRule/genericSerialAdapters``) plus their siblings (CH341, CH9102,
    /// CP2105, CP2108, PL2303GC), which a profile's decoder need not know but udev must never
    /// claim by id.
    public static let genericSerialAdapters: Set<[UInt16]> = DeviceProfile.MatchRule.genericSerialAdapters.union([
        [0x1A86, 0x5523], [0x1A86, 0x55D4], [0x10C4, 0xEA70], [0x10C4, 0xEA71], [0x067B, 0x23A3],
    ])

    /// The files, as (name, text), in the order they are written.
    public var files: [(name: String, text: String)] {
        [(Self.rulesFileName, rules), (Self.hwdbFileName, hwdb), (Self.localExampleFileName, localExample)]
    }

    /// Generates the three files from every profile of `catalog`, in id order.
    public init(catalog: ProfileCatalog) {
        var hwdbEntries: [String] = []
        var serialRules: [String] = []
        var classRules: [String] = []
        var refusals: [Refusal] = []
        var claimed: [String: String] = [:]  // hwdb key → profile id

        for profile in catalog.all {
            let header = "# \(profile.id): \(Self.oneLine(profile.name))"
            let tags = Self.tags(profile)
            var entries: [String] = []
            var serials: [String] = []
            var classes: [String] = []
            for rule in profile.match {
                if let reason = Self.refusal(of: rule, claimed: claimed) {
                    let refusal = Refusal(profile: profile.id, rule: rule, reason: reason)
                    refusals.append(refusal)
                    let comment = "# refused: \(refusal.ruleText): \(reason.description)"
                    switch rule {
                    case .serial(_, _, .some): serials.append(comment)
                    default: entries.append(comment)
                    }
                    continue
                }
                switch rule {
                case .usb(let vendor, let product), .alsa(let vendor, let product, _),
                    .serial(let vendor, let product, nil):
                    let key = Self.hwdbKey(vendor: vendor, product: product)
                    claimed[key] = profile.id
                    entries.append(
                        ([key] + tags.map { " \($0.key)=\($0.value)" }).joined(separator: "\n"))
                case .serial(let vendor, let product, .some(let serialNumber)):
                    serials.append(
                        Self.rule(
                            [
                                #"SUBSYSTEM=="tty""#, #"ENV{ID_VHR_PROFILE}=="""#,
                                #"ENV{ID_USB_VENDOR_ID}==""# + DeviceProfile.MatchRule.hex(vendor) + "\"",
                                #"ENV{ID_USB_MODEL_ID}==""# + DeviceProfile.MatchRule.hex(product) + "\"",
                                #"ENV{ID_USB_SERIAL_SHORT}==""# + Self.udevString(serialNumber) + "\"",
                            ] + tags.map { "ENV{\($0.key)}=\"\($0.value)\"" }))
                case .usbInterface(let interfaceClass):
                    // ID_USB_INTERFACES (usb_id, from the configuration descriptor) is on the
                    // usb_device event itself, which comes before its interfaces' events: the node
                    // libusb opens is the usb_device's, so that is where the class must be seen.
                    classes.append(
                        Self.rule(
                            [
                                #"SUBSYSTEM=="usb""#, #"ENV{DEVTYPE}=="usb_device""#, #"ENV{ID_VHR_PROFILE}=="""#,
                                #"ENV{ID_USB_INTERFACES}=="*:"# + Self.hex2(interfaceClass) + #"????:*""#,
                            ] + tags.map { "ENV{\($0.key)}=\"\($0.value)\"" }))
                }
            }
            if !entries.isEmpty { hwdbEntries.append(([header] + entries).joined(separator: "\n")) }
            if !serials.isEmpty { serialRules.append(([header] + serials).joined(separator: "\n")) }
            if !classes.isEmpty { classRules.append(([header] + classes).joined(separator: "\n")) }
        }
        self.refusals = refusals
        hwdb = Self.hwdbText(entries: hwdbEntries)
        rules = Self.rulesText(serialRules: serialRules, classRules: classRules)
        localExample = Self.localExampleText(
            serialProfiles: catalog.all.filter { $0.transport == .serial })
    }

    // MARK: Pieces

    /// The hwdb key the builtin composes for a usb_device (`usb:v%04Xp%04X`, upper-case hex) and
    /// finds in an interface's MODALIAS, with the `*` that matches the rest.
    static func hwdbKey(vendor: UInt16, product: UInt16) -> String {
        "usb:v\(DeviceProfile.MatchRule.hex(vendor).uppercased())p\(DeviceProfile.MatchRule.hex(product).uppercased())*"
    }

    /// `ID_VHR_CLASS` for a kind: short words that read well in `/dev/vhr/` names.
    static func udevClass(_ kind: DeviceKind) -> String {
        switch kind {
        case .bloodPressureCuff: "cuff"
        case .stethoscope: "stethoscope"
        }
    }

    private static func tags(_ profile: DeviceProfile) -> KeyValuePairs<String, String> {
        ["ID_VHR_PROFILE": profile.id, "ID_VHR_CLASS": udevClass(profile.kind)]
    }

    private static func refusal(of rule: DeviceProfile.MatchRule, claimed: [String: String]) -> Refusal.Reason? {
        switch rule {
        case .usbInterface, .serial(_, _, .some): return nil
        case .usb(let vendor, let product), .alsa(let vendor, let product, _), .serial(let vendor, let product, nil):
            if genericSerialAdapters.contains([vendor, product]) {
                return .genericSerialAdapter
            }
            if let owner = claimed[hwdbKey(vendor: vendor, product: product)] {
                return .alreadyClaimed(by: owner)
            }
            return nil
        }
    }

    /// One udev rule, its keys joined by `, ` and wrapped at 100 columns with `\` continuations.
    static func rule(_ keys: [String]) -> String {
        var lines: [String] = []
        var line = ""
        for (index, key) in keys.enumerated() {
            let piece = key + (index == keys.count - 1 ? "" : ",")
            if !line.isEmpty && line.count + 1 + piece.count > 98 {
                lines.append(line + " \\")
                line = "  " + piece
            } else {
                line += (line.isEmpty ? "" : " ") + piece
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// A value safe inside a udev rule's double quotes: udev has no escapes there, so `"` and
    /// `\` become `_`, as udev's own sanitising of ID_USB_SERIAL_SHORT does, and `$` (a
    /// substitution) does too.
    static func udevString(_ text: String) -> String {
        String(text.map { "\"\\$\n".contains($0) ? "_" : $0 })
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func hex2(_ value: UInt8) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 2 - digits.count) + digits
    }
}
