import CLibUSB

extension LibUSBContext {
    /// Opens the device at `address` on `bus` (as `lsusb` shows them).
    ///
    /// - Throws: `LIBUSB_ERROR_NOT_FOUND` when nothing is there, else what `libusb_open` says
    ///   (`LIBUSB_ERROR_ACCESS` without permission on the device node).
    public func openDevice(bus: UInt8, address: UInt8) throws(LibUSBError) -> USBDeviceHandle {
        try openFirst(description: "usb bus \(bus) address \(address)") { device, _ in
            device.bus == bus && device.address == address
        }
    }

    /// Opens the first device that matches `selector`, in libusb's order.
    ///
    /// Devices are listed without opening them; only candidates are opened, and only when the
    /// selector names a serial number is that string read (a control transfer).
    ///
    /// - Throws: `LIBUSB_ERROR_NOT_FOUND` when no device matches, else the first candidate's
    ///   error from `libusb_open` (`LIBUSB_ERROR_ACCESS`: see the udev rules) or from reading its serial.
    public func openDevice(matching selector: USBDeviceSelector) throws(LibUSBError) -> USBDeviceHandle {
        try openFirst(description: selector.description) { device, interfaces in
            selector.matchesWithoutOpening(device, interfaces: interfaces)
        } confirm: { handle throws(LibUSBError) in
            guard let wanted = selector.serialNumber else { return true }
            return try handle.serialNumber() == wanted
        }
    }

    /// Opens the device with these ids (and serial number, when given).
    public func openDevice(
        vendorID: UInt16, productID: UInt16, serialNumber: String? = nil
    ) throws(LibUSBError) -> USBDeviceHandle {
        try openDevice(
            matching: USBDeviceSelector(vendorID: vendorID, productID: productID, serialNumber: serialNumber))
    }

    /// The corresponding C functions are `libusb_get_device_list` and `libusb_free_device_list`.
    private func openFirst(
        description: String, where matches: (USBDeviceDescription, [USBInterfaceDescriptor]) -> Bool,
        confirm: (USBDeviceHandle) throws(LibUSBError) -> Bool = { _ in true }
    ) throws(LibUSBError) -> USBDeviceHandle {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else {
            throw LibUSBError(code: Int32(truncatingIfNeeded: count), operation: "get device list")
        }
        // The handle holds its own reference to its device, so the list may go with all of its.
        defer { libusb_free_device_list(list, 1) }
        var firstError: LibUSBError?
        for index in 0..<count {
            guard let device = list[index] else { continue }
            let summary = Self.describe(device, readingStrings: false)
            guard matches(summary, USBInterfaceDescriptor.all(of: device)) else { continue }
            do throws(LibUSBError) {
                let handle = try USBDeviceHandle(context: self, device: device)
                if try confirm(handle) { return handle }
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? LibUSBError(code: LIBUSB_ERROR_NOT_FOUND.rawValue, operation: "find \(description)")
    }
}
