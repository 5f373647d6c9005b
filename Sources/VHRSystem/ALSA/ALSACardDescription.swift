import VHRCore

/// What ALSA can tell about one sound card without opening any of its PCMs.
public struct ALSACardDescription: Sendable, Equatable, Codable {
    /// The card number: the `N` in `hw:N` and `/dev/snd/controlCN`. It may change at replug.
    public var index: Int
    /// The card id, e.g. "Device" (what a profile's `cardName` names); stable across replugs.
    public var id: String
    /// The short name, e.g. "USB Audio Device".
    public var name: String
    /// The long name, e.g. "C-Media USB Audio Device at usb-0000:00:14.0-3, full speed".
    public var longName: String
    /// The numbers of the card's PCM devices that can capture (`hw:N,D`); empty for a
    /// playback-only card.
    public var captureDevices: [Int]
    /// The USB `idVendor` of the device the card belongs to, for a USB card.
    public var usbVendorID: UInt16?
    /// The USB `idProduct` of the device the card belongs to, for a USB card.
    public var usbProductID: UInt16?

    public init(
        index: Int, id: String, name: String, longName: String, captureDevices: [Int], usbVendorID: UInt16? = nil,
        usbProductID: UInt16? = nil
    ) {
        self.index = index
        self.id = id
        self.name = name
        self.longName = longName
        self.captureDevices = captureDevices
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
    }

    /// Whether the card has at least one capture PCM (a stethoscope needs one).
    public var hasCapture: Bool { !captureDevices.isEmpty }

    /// The card as a ``HardwareItem`` for the inventory, not yet matched against profiles. Its
    /// name is the card id, which is what an `alsa` rule's `cardName` is compared with; the note
    /// carries the long name, and says so when the card cannot capture.
    public var hardwareItem: HardwareItem {
        HardwareItem(
            kind: .alsa, location: "hw:\(index)", vendorID: usbVendorID, productID: usbProductID, name: id,
            note: hasCapture ? longName : "\(longName); no capture device")
    }
}
