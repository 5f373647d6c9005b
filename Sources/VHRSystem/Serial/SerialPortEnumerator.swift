import CLibSerialPort

/// Lists the serial ports of the machine through libserialport, which reads `/sys/class/tty`
/// and the USB attributes above each port. No port is opened.
public enum SerialPortEnumerator {
    /// Every serial port present now, sorted by path. Virtual terminals and ptys are not serial
    /// ports and are left out; so are the 8250 UARTs that the driver reserves but that have no
    /// hardware behind them.
    ///
    /// - Throws: `SerialPortError` from `sp_list_ports` (for example when `/sys/class/tty`
    ///   cannot be read).
    ///
    /// The corresponding C functions are `sp_list_ports` and `sp_free_port_list`.
    public static func ports() throws(SerialPortError) -> [SerialPortDescription] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let result = sp_list_ports(&list)
        guard result.rawValue >= 0, let list else {
            throw SerialPortError.lastError(code: result.rawValue, operation: "list ports")
        }
        defer { sp_free_port_list(list) }
        var ports: [SerialPortDescription] = []
        var index = 0
        // The list ends with a null pointer.
        while let port = list[index] {
            ports.append(describe(port))
            index += 1
        }
        return ports.sorted { $0.path < $1.path }
    }

    /// Reads what libserialport found out about one port when it listed it.
    ///
    /// The corresponding C functions are `sp_get_port_name`, `sp_get_port_transport`,
    /// `sp_get_port_description`, `sp_get_port_usb_vid_pid`, `sp_get_port_usb_serial`,
    /// `sp_get_port_usb_manufacturer` and `sp_get_port_usb_product`.
    private static func describe(_ port: OpaquePointer) -> SerialPortDescription {
        let transport: SerialPortDescription.Transport =
            switch sp_get_port_transport(port) {
            case SP_TRANSPORT_USB: .usb
            case SP_TRANSPORT_BLUETOOTH: .bluetooth
            default: .native
            }
        var description = SerialPortDescription(
            path: string(sp_get_port_name(port)) ?? "", transport: transport,
            description: string(sp_get_port_description(port)))
        guard transport == .usb else { return description }
        var vendor: CInt = -1
        var product: CInt = -1
        if sp_get_port_usb_vid_pid(port, &vendor, &product) == SP_OK {
            description.usbVendorID = UInt16(exactly: vendor)
            description.usbProductID = UInt16(exactly: product)
        }
        description.usbSerialNumber = string(sp_get_port_usb_serial(port))
        description.usbManufacturer = string(sp_get_port_usb_manufacturer(port))
        description.usbProduct = string(sp_get_port_usb_product(port))
        return description
    }

    /// A C string owned by the port, copied; `nil` for a null pointer or an empty string.
    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer, pointer.pointee != 0 else { return nil }
        return String(cString: pointer)
    }
}
