import CLibUSB

/// A libusb session: its own device list and options, separate from any other libusb user in
/// the process. Created with `libusb_init`, ended with `libusb_exit` when the last reference goes.
public final class LibUSBContext {
    /// The C context; valid until deinit.
    let context: OpaquePointer

    /// Starts a libusb session. On Linux this succeeds even without `/dev/bus/usb`; the device
    /// list is then empty.
    ///
    /// - Throws: `LibUSBError` from `libusb_init` (for example `LIBUSB_ERROR_OTHER` when no USB
    ///   file system is usable).
    ///
    /// The corresponding C function is `libusb_init`.
    public init() throws(LibUSBError) {
        var context: OpaquePointer?
        let result = libusb_init(&context)
        guard result == 0, let context else { throw LibUSBError(code: result, operation: "init") }
        self.context = context
    }

    /// Ends the session. Every device reference must be gone by then, which ``devices()``
    /// guarantees by releasing its list before it returns.
    ///
    /// The corresponding C function is `libusb_exit`.
    deinit {
        libusb_exit(context)
    }

    /// Every USB device plugged in now, root hubs included, in libusb's order.
    ///
    /// Each device is opened (never claimed) to read its manufacturer, product and serial
    /// strings; a device that cannot be opened or answered keeps its ids and gets
    /// ``USBDeviceDescription/stringsError``. A device that does not answer costs up to one
    /// second (libusb's control-transfer timeout) before the next one is read.
    ///
    /// - Throws: `LibUSBError` from `libusb_get_device_list` only.
    ///
    /// The corresponding C function is `libusb_get_device_list`.
    public func devices() throws(LibUSBError) -> [USBDeviceDescription] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else {
            throw LibUSBError(code: Int32(truncatingIfNeeded: count), operation: "get device list")
        }
        // Unreference the devices with the list: nothing below keeps one.
        defer { libusb_free_device_list(list, 1) }
        return (0..<count).compactMap { index in list[index].map { Self.describe($0) } }
    }

    /// Reads one device's descriptors and, if possible and wanted, its strings (opening the device).
    ///
    /// The corresponding C functions are `libusb_get_device_descriptor`, `libusb_get_bus_number`,
    /// `libusb_get_device_address` and `libusb_get_port_numbers`.
    static func describe(_ device: OpaquePointer, readingStrings: Bool = true) -> USBDeviceDescription {
        // libusb has answered this from its cache without failing since 1.0.16.
        var descriptor = libusb_device_descriptor()
        _ = libusb_get_device_descriptor(device, &descriptor)
        // USB allows at most 7 tiers of hubs, hence 7 port numbers.
        var ports = [UInt8](repeating: 0, count: 7)
        let depth = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        var description = USBDeviceDescription(
            bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
            portPath: Array(ports.prefix(max(0, Int(depth)))), vendorID: descriptor.idVendor,
            productID: descriptor.idProduct, deviceClass: descriptor.bDeviceClass,
            interfaceClasses: interfaceClasses(device))
        if readingStrings { readStrings(device, descriptor, into: &description) }
        return description
    }

    /// The distinct interface classes of the active configuration, or of the first one when the
    /// device is unconfigured.
    ///
    /// The corresponding C functions are `libusb_get_active_config_descriptor`,
    /// `libusb_get_config_descriptor` and `libusb_free_config_descriptor`.
    private static func interfaceClasses(_ device: OpaquePointer) -> [UInt8] {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(device, &config) != 0 {
            guard libusb_get_config_descriptor(device, 0, &config) == 0 else { return [] }
        }
        guard let config else { return [] }
        defer { libusb_free_config_descriptor(config) }
        var classes: Set<UInt8> = []
        for index in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[index]
            // The first alternate setting carries the class; the others only change bandwidth.
            if interface.num_altsetting > 0 { classes.insert(interface.altsetting[0].bInterfaceClass) }
        }
        return classes.sorted()
    }

    /// Opens the device without claiming it and reads its strings, stopping at the first
    /// failure (a device that failed one request usually fails them all, a second each).
    ///
    /// The corresponding C functions are `libusb_open`, `libusb_get_string_descriptor_ascii` and
    /// `libusb_close`.
    private static func readStrings(
        _ device: OpaquePointer, _ descriptor: libusb_device_descriptor, into description: inout USBDeviceDescription
    ) {
        let indexes = [descriptor.iManufacturer, descriptor.iProduct, descriptor.iSerialNumber]
        guard indexes.contains(where: { $0 != 0 }) else { return }
        var handle: OpaquePointer?
        let opened = libusb_open(device, &handle)
        guard opened == 0, let handle else {
            description.stringsError = LibUSBError(code: opened, operation: "open", device: description.location)
            return
        }
        defer { libusb_close(handle) }
        var strings: [String?] = []
        for index in indexes {
            guard index != 0 else {
                strings.append(nil)
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 256)
            let length = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
            guard length >= 0 else {
                description.stringsError = LibUSBError(
                    code: length, operation: "read string descriptor \(index)", device: description.location)
                break
            }
            strings.append(String(decoding: buffer.prefix(Int(length)), as: UTF8.self))
        }
        description.manufacturer = strings.count > 0 ? strings[0] : nil
        description.product = strings.count > 1 ? strings[1] : nil
        description.serialNumber = strings.count > 2 ? strings[2] : nil
    }
}
