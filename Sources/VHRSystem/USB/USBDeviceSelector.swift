/// Which USB device a driver wants: every field that is set must match. An empty selector matches
/// any device; `interfaceClass` alone finds any PHDC (0x0F) or HID (0x03) device.
public struct USBDeviceSelector: Sendable, Equatable, Codable, CustomStringConvertible {
    public var vendorID: UInt16?
    public var productID: UInt16?
    /// The serial number string; matching it opens the device to read it.
    public var serialNumber: String?
    /// ``USBDeviceDescription/location`` ("usb 1-3"): a socket, stable across replugs.
    public var location: String?
    /// A `bInterfaceClass` the device must have among its interfaces.
    public var interfaceClass: UInt8?

    public init(
        vendorID: UInt16? = nil, productID: UInt16? = nil, serialNumber: String? = nil, location: String? = nil,
        interfaceClass: UInt8? = nil
    ) {
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.location = location
        self.interfaceClass = interfaceClass
    }

    /// Whether the device matches on everything but the serial number, which needs the device opened.
    public func matchesWithoutOpening(_ device: USBDeviceDescription, interfaces: [USBInterfaceDescriptor]) -> Bool {
        if let vendorID, device.vendorID != vendorID { return false }
        if let productID, device.productID != productID { return false }
        if let location, device.location != location { return false }
        if let interfaceClass, !interfaces.contains(where: { $0.interfaceClass == interfaceClass }) { return false }
        return true
    }

    /// "1209:0002 serial SN1 at usb 1-3 class 0x0f"; "any device" when empty.
    public var description: String {
        var parts: [String] = []
        switch (vendorID, productID) {
        case (let vendor?, let product?): parts.append("\(Self.hex(vendor)):\(Self.hex(product))")
        case (let vendor?, nil): parts.append("vendor \(Self.hex(vendor))")
        case (nil, let product?): parts.append("product \(Self.hex(product))")
        case (nil, nil): break
        }
        if let serialNumber { parts.append("serial \(serialNumber)") }
        if let location { parts.append("at \(location)") }
        if let interfaceClass { parts.append("class 0x" + Self.hex(UInt16(interfaceClass), digits: 2)) }
        return parts.isEmpty ? "any device" : parts.joined(separator: " ")
    }

    private static func hex(_ value: UInt16, digits: Int = 4) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
