/// One piece of hardware found plugged in, as a technician sees it: where it is, what it says it
/// is, and which device profile (if any) recognises it.
///
/// A USB stethoscope shows up twice, once as a `usb` item and once as an `alsa` item; each is
/// matched by the rules of its own kind, so the technician sees which view a profile uses.
public struct HardwareItem: Sendable, Equatable, Codable {
    /// Which subsystem reported the item; it decides which kind of ``DeviceProfile/MatchRule`` applies.
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// A USB device, as libusb lists it.
        case usb
        /// A serial port, as libserialport lists it (native, USB-serial or Bluetooth).
        case serial
        /// An ALSA sound card.
        case alsa
    }

    public var kind: Kind
    /// Where it is plugged in: `usb 1-3` (bus and port path), `/dev/ttyUSB0`, `hw:1`.
    public var location: String
    /// The USB vendor id, when the item is or sits on a USB device.
    public var vendorID: UInt16?
    /// The USB product id, when the item is or sits on a USB device.
    public var productID: UInt16?
    /// The USB serial number (udev's `ID_USB_SERIAL_SHORT`), when the device has one and it could be read.
    public var serialNumber: String?
    /// A USB device's interface classes (`0x0f` for PHDC), when they could be read.
    public var interfaceClasses: [UInt8]?
    /// What the device calls itself: the USB product string, the serial port's description, or, for
    /// ALSA, the card id (the name a profile's `cardName` is compared with).
    public var name: String?
    /// The id of the profile that recognises the item; set by ``HardwareInventory/match(_:catalog:)``.
    public var matchedProfile: String?
    /// Anything else the technician should know: ALSA's long card name, why USB strings could not be
    /// read, other profiles that match too.
    public var note: String?

    public init(
        kind: Kind, location: String, vendorID: UInt16? = nil, productID: UInt16? = nil,
        serialNumber: String? = nil, interfaceClasses: [UInt8]? = nil, name: String? = nil,
        matchedProfile: String? = nil, note: String? = nil
    ) {
        self.kind = kind
        self.location = location
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.interfaceClasses = interfaceClasses
        self.name = name
        self.matchedProfile = matchedProfile
        self.note = note
    }
}

/// Matches discovered hardware against the device profiles' match rules. Pure: the listing
/// itself is done by VHRSystem (libusb, libserialport, ALSA).
public enum HardwareInventory {
    /// `items` with ``HardwareItem/matchedProfile`` set to the id of the first profile (by id)
    /// that has a rule matching the item, in the same order.
    ///
    /// - A `usb` rule matches a `usb` item with the same vendor and product id.
    /// - A `usbInterface` rule matches a `usb` item with an interface of that class.
    /// - A `serial` rule matches a `serial` item with the same USB vendor and product id and, when
    ///   the rule names one, the same serial number.
    /// - An `alsa` rule matches an `alsa` item with the same USB vendor and product id and, when
    ///   the rule names one, a card id (``HardwareItem/name``) equal to its `cardName`.
    ///
    /// When more than one profile matches, the others are named in the item's note, since the
    /// room configuration then has to say which one it means. A previous match is replaced.
    public static func match(_ items: [HardwareItem], catalog: ProfileCatalog) -> [HardwareItem] {
        let profiles = catalog.all
        return items.map { item in
            var matched = item
            let candidates = profiles.filter { profile in profile.match.contains { rule in matches(rule, item) } }
            matched.matchedProfile = candidates.first?.id
            if candidates.count > 1 {
                let others = candidates.dropFirst().map(\.id).joined(separator: ", ")
                let ambiguity = "also matches \(others); name the profile in the room configuration"
                matched.note = item.note.map { "\($0); \(ambiguity)" } ?? ambiguity
            }
            return matched
        }
    }

    /// Whether `rule` recognises `item`.
    public static func matches(_ rule: DeviceProfile.MatchRule, _ item: HardwareItem) -> Bool {
        switch rule {
        case .usb(let vendor, let product):
            return item.kind == .usb && item.vendorID == vendor && item.productID == product
        case .usbInterface(let interfaceClass):
            return item.kind == .usb && (item.interfaceClasses ?? []).contains(interfaceClass)
        case .serial(let vendor, let product, let serialNumber):
            return item.kind == .serial && item.vendorID == vendor && item.productID == product
                && (serialNumber == nil || item.serialNumber == serialNumber)
        case .alsa(let vendor, let product, let cardName):
            return item.kind == .alsa && item.vendorID == vendor && item.productID == product
                && (cardName == nil || item.name == cardName)
        }
    }
}
