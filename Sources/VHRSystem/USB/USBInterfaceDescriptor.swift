import CLibUSB

/// One interface (its first alternate setting) of a device's configuration: its class and endpoints.
public struct USBInterfaceDescriptor: Sendable, Equatable, Codable {
    /// `bInterfaceClass` of a Personal Healthcare Device Class interface (IEEE 11073-20601 over bulk).
    public static let phdcClass: UInt8 = 0x0F
    /// `bInterfaceClass` of a Human Interface Device interface.
    public static let hidClass: UInt8 = 0x03

    /// `bInterfaceNumber`, what claiming takes.
    public var number: UInt8
    /// `bAlternateSetting`.
    public var alternateSetting: UInt8
    /// `bInterfaceClass`.
    public var interfaceClass: UInt8
    /// `bInterfaceSubClass`.
    public var subclass: UInt8
    /// `bInterfaceProtocol`.
    public var protocolCode: UInt8
    public var endpoints: [USBEndpointDescriptor]
    /// The class-specific descriptors that follow the interface descriptor (PHDC function and QoS
    /// descriptors, the HID descriptor), raw.
    public var extra: [UInt8]

    public init(
        number: UInt8, alternateSetting: UInt8 = 0, interfaceClass: UInt8, subclass: UInt8 = 0, protocolCode: UInt8 = 0,
        endpoints: [USBEndpointDescriptor], extra: [UInt8] = []
    ) {
        self.number = number
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.subclass = subclass
        self.protocolCode = protocolCode
        self.endpoints = endpoints
        self.extra = extra
    }

    /// The first endpoint of `type` in the given direction, if the interface has one.
    public func endpoint(_ type: USBEndpointDescriptor.TransferType, input: Bool) -> USBEndpointDescriptor? {
        endpoints.first { $0.transferType == type && $0.isInput == input }
    }

    /// The interfaces of the device's active configuration, or of its first one when it is
    /// unconfigured; empty when neither can be read.
    ///
    /// The corresponding C functions are `libusb_get_active_config_descriptor`,
    /// `libusb_get_config_descriptor` and `libusb_free_config_descriptor`.
    static func all(of device: OpaquePointer) -> [USBInterfaceDescriptor] {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(device, &config) != 0 {
            guard libusb_get_config_descriptor(device, 0, &config) == 0 else { return [] }
        }
        guard let config else { return [] }
        defer { libusb_free_config_descriptor(config) }
        return (0..<Int(config.pointee.bNumInterfaces)).compactMap { index in
            let interface = config.pointee.interface[index]
            // The first alternate setting is the one in use after claiming; the others only change bandwidth.
            guard interface.num_altsetting > 0 else { return nil }
            let setting = interface.altsetting[0]
            let endpoints = (0..<Int(setting.bNumEndpoints)).map { USBEndpointDescriptor(setting.endpoint[$0]) }
            let extra = setting.extra.map { Array(UnsafeBufferPointer(start: $0, count: Int(setting.extra_length))) }
            return USBInterfaceDescriptor(
                number: setting.bInterfaceNumber, alternateSetting: setting.bAlternateSetting,
                interfaceClass: setting.bInterfaceClass, subclass: setting.bInterfaceSubClass,
                protocolCode: setting.bInterfaceProtocol, endpoints: endpoints, extra: extra ?? [])
        }
    }
}
