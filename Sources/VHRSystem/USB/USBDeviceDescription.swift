import VHRCore

/// What libusb can tell about a plugged-in USB device without claiming any of its interfaces.
public struct USBDeviceDescription: Sendable, Equatable, Codable {
    /// The bus number (`busnum` in sysfs).
    public var bus: UInt8
    /// The device's address on its bus (`devnum` in sysfs); it changes at every replug.
    public var address: UInt8
    /// The hub ports from the root hub down to the device; empty for a root hub. Stable across
    /// replugs into the same socket, unlike ``address``.
    public var portPath: [UInt8]
    /// `idVendor` from the device descriptor.
    public var vendorID: UInt16
    /// `idProduct` from the device descriptor.
    public var productID: UInt16
    /// `bDeviceClass`: 0 when each interface says its own class, 9 for a hub, 0xef for a composite device.
    public var deviceClass: UInt8
    /// The distinct `bInterfaceClass` values of the active configuration, sorted (1 audio, 2 CDC,
    /// 3 HID, 0xff vendor specific). Empty when no configuration could be read.
    public var interfaceClasses: [UInt8]
    /// The manufacturer string, when the device has one and it could be read.
    public var manufacturer: String?
    /// The product string, when the device has one and it could be read.
    public var product: String?
    /// The serial number string, when the device has one and it could be read.
    public var serialNumber: String?
    /// Why the strings could not be read (most often `LIBUSB_ERROR_ACCESS`: no permission to open
    /// the device node); the ids above are still right.
    public var stringsError: LibUSBError?

    public init(
        bus: UInt8, address: UInt8, portPath: [UInt8], vendorID: UInt16, productID: UInt16, deviceClass: UInt8,
        interfaceClasses: [UInt8], manufacturer: String? = nil, product: String? = nil, serialNumber: String? = nil,
        stringsError: LibUSBError? = nil
    ) {
        self.bus = bus
        self.address = address
        self.portPath = portPath
        self.vendorID = vendorID
        self.productID = productID
        self.deviceClass = deviceClass
        self.interfaceClasses = interfaceClasses
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.stringsError = stringsError
    }

    /// Where the device is plugged in, as the kernel names it in sysfs: "usb 1-3" for port 3 of
    /// bus 1, "usb 1-3.2" behind a hub, "usb 1" for the bus's root hub.
    public var location: String {
        portPath.isEmpty ? "usb \(bus)" : "usb \(bus)-" + portPath.map(String.init).joined(separator: ".")
    }

    /// The device as a ``HardwareItem`` for the inventory, not yet matched against profiles.
    public var hardwareItem: HardwareItem {
        HardwareItem(
            kind: .usb, location: location, vendorID: vendorID, productID: productID, serialNumber: serialNumber,
            interfaceClasses: interfaceClasses, name: product, note: stringsError.map { "strings not read: \($0)" })
    }
}
