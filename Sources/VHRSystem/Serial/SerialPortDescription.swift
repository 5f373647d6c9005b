import VHRCore

/// What libserialport can tell about a serial port without opening it, read from sysfs.
public struct SerialPortDescription: Sendable, Equatable, Codable {
    /// How the port is attached.
    public enum Transport: String, Sendable, Equatable, Codable {
        /// A UART on the main board (`/dev/ttyS0`).
        case native
        /// A USB-serial adapter or CDC-ACM device (`/dev/ttyUSB0`, `/dev/ttyACM0`).
        case usb
        /// A Bluetooth serial link (`/dev/rfcomm0`).
        case bluetooth
    }

    /// The device node, e.g. `/dev/ttyUSB0`.
    public var path: String
    public var transport: Transport
    /// libserialport's human description, e.g. "FT232R USB UART - A123XYZ".
    public var description: String?
    /// The USB device's `idVendor`, for a USB port.
    public var usbVendorID: UInt16?
    /// The USB device's `idProduct`, for a USB port.
    public var usbProductID: UInt16?
    /// The USB device's serial number (udev's `ID_USB_SERIAL_SHORT`), if it has one.
    public var usbSerialNumber: String?
    /// The USB device's manufacturer string, if it has one.
    public var usbManufacturer: String?
    /// The USB device's product string, if it has one.
    public var usbProduct: String?

    public init(
        path: String, transport: Transport, description: String? = nil, usbVendorID: UInt16? = nil,
        usbProductID: UInt16? = nil, usbSerialNumber: String? = nil, usbManufacturer: String? = nil,
        usbProduct: String? = nil
    ) {
        self.path = path
        self.transport = transport
        self.description = description
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
        self.usbSerialNumber = usbSerialNumber
        self.usbManufacturer = usbManufacturer
        self.usbProduct = usbProduct
    }

    /// The port as a ``HardwareItem`` for the inventory, not yet matched against profiles.
    public var hardwareItem: HardwareItem {
        HardwareItem(
            kind: .serial, location: path, vendorID: usbVendorID, productID: usbProductID,
            serialNumber: usbSerialNumber, name: description)
    }
}
