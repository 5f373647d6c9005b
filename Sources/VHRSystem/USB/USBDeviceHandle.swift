import CLibUSB
import Synchronization

/// An opened USB device: its interfaces, the ones claimed, and transfers on their endpoints.
///
/// Transfers are synchronous and may be made from any thread (libusb serialises its event
/// handling), several at once on different endpoints. Claimed interfaces are released and the
/// device closed when the last reference goes, so a transfer still running keeps the handle alive.
public final class USBDeviceHandle: @unchecked Sendable {
    // @unchecked: `handle` is only passed to libusb, whose device-handle calls are thread-safe;
    // the mutable state is in `claimed`, under its mutex.

    /// The device, with ids and location (strings are not read when opening).
    public let device: USBDeviceDescription
    /// The interfaces of the active configuration.
    public let interfaces: [USBInterfaceDescriptor]
    /// Kept so the libusb session outlives the handle.
    private let context: LibUSBContext
    private let handle: OpaquePointer
    private let claimed = Mutex<Set<UInt8>>([])

    /// Opens `device` of `context`.
    ///
    /// The corresponding C function is `libusb_open`.
    init(context: LibUSBContext, device: OpaquePointer) throws(LibUSBError) {
        let description = LibUSBContext.describe(device, readingStrings: false)
        var handle: OpaquePointer?
        let result = libusb_open(device, &handle)
        guard result == 0, let handle else {
            throw LibUSBError(code: result, operation: "open", device: description.location)
        }
        self.context = context
        self.handle = handle
        self.device = description
        self.interfaces = USBInterfaceDescriptor.all(of: device)
    }

    /// Releases every interface still claimed and closes the device.
    ///
    /// The corresponding C functions are `libusb_release_interface` and `libusb_close`.
    deinit {
        for number in claimed.withLock({ $0 }) {
            _ = libusb_release_interface(handle, Int32(number))
        }
        libusb_close(handle)
    }

    /// Claims an interface for this process, first detaching the kernel driver bound to it
    /// (usbhid binds every HID interface, for instance). Claiming twice is harmless.
    ///
    /// - Throws: `LIBUSB_ERROR_BUSY` when another process holds it, `LIBUSB_ERROR_ACCESS` when
    ///   the kernel driver may not be detached, `LIBUSB_ERROR_NO_DEVICE` when it was unplugged.
    ///
    /// The corresponding C functions are `libusb_kernel_driver_active`, `libusb_detach_kernel_driver`
    /// and `libusb_claim_interface`. Not libusb's auto-detach: that needs an ioctl
    /// (`USBDEVFS_DISCONNECT_CLAIM`) which fails with `LIBUSB_ERROR_OTHER` where it is not
    /// supported, umockdev's emulation included.
    public func claimInterface(_ number: UInt8) throws(LibUSBError) {
        // 1: a kernel driver is bound; 0: none; an error (NOT_SUPPORTED on other systems) is not fatal
        // in itself, the claim below says whether the interface can be had.
        if libusb_kernel_driver_active(handle, Int32(number)) == 1 {
            let detached = libusb_detach_kernel_driver(handle, Int32(number))
            guard detached == 0 || detached == LIBUSB_ERROR_NOT_FOUND.rawValue else {
                throw LibUSBError(code: detached, operation: "detach kernel driver", device: device.location)
            }
        }
        let result = libusb_claim_interface(handle, Int32(number))
        guard result == 0 else {
            throw LibUSBError(code: result, operation: "claim interface \(number)", device: device.location)
        }
        _ = claimed.withLock { $0.insert(number) }
    }

    /// Gives an interface back. Releasing one not claimed does nothing.
    ///
    /// The corresponding C function is `libusb_release_interface`.
    public func releaseInterface(_ number: UInt8) throws(LibUSBError) {
        guard claimed.withLock({ $0.remove(number) }) != nil else { return }
        let result = libusb_release_interface(handle, Int32(number))
        // NO_DEVICE: the interface went with the device, which is what releasing wanted.
        guard result == 0 || result == LIBUSB_ERROR_NO_DEVICE.rawValue else {
            throw LibUSBError(code: result, operation: "release interface \(number)", device: device.location)
        }
    }

    /// The serial number string, or `nil` when the device declares none.
    ///
    /// The corresponding C functions are `libusb_get_device`, `libusb_get_device_descriptor` and
    /// `libusb_get_string_descriptor_ascii`.
    public func serialNumber() throws(LibUSBError) -> String? {
        var descriptor = libusb_device_descriptor()
        _ = libusb_get_device_descriptor(libusb_get_device(handle), &descriptor)
        guard descriptor.iSerialNumber != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = libusb_get_string_descriptor_ascii(
            handle, descriptor.iSerialNumber, &buffer, Int32(buffer.count))
        guard length >= 0 else {
            throw LibUSBError(code: length, operation: "read serial number", device: device.location)
        }
        return String(decoding: buffer.prefix(Int(length)), as: UTF8.self)
    }

    /// Reads at most `maximumLength` bytes from a bulk or interrupt IN endpoint, waiting up to
    /// `timeout`. A timeout is not an error: it returns what arrived by then, usually nothing.
    ///
    /// `maximumLength` should be a multiple of the endpoint's packet size: a device that sends more
    /// than fits makes the transfer fail with `LIBUSB_ERROR_OVERFLOW`.
    ///
    /// - Throws: `LIBUSB_ERROR_NO_DEVICE` once the device is unplugged, `LIBUSB_ERROR_PIPE` when the
    ///   endpoint stalled, `LIBUSB_ERROR_OVERFLOW`, `LIBUSB_ERROR_IO`.
    ///
    /// The corresponding C functions are `libusb_bulk_transfer` and `libusb_interrupt_transfer`.
    public func read(
        from endpoint: USBEndpointDescriptor, maximumLength: Int, timeout: Duration
    ) throws(LibUSBError) -> [UInt8] {
        precondition(endpoint.isInput, "read from an OUT endpoint")
        var buffer = [UInt8](repeating: 0, count: maximumLength)
        var transferred: Int32 = 0
        let result = transfer(endpoint, &buffer, length: maximumLength, transferred: &transferred, timeout: timeout)
        guard result == 0 || result == LIBUSB_ERROR_TIMEOUT.rawValue else {
            throw LibUSBError(
                code: result, operation: "read endpoint 0x\(hex(endpoint.address))", device: device.location)
        }
        return Array(buffer.prefix(Int(transferred)))
    }

    /// Writes all of `bytes` to a bulk or interrupt OUT endpoint within `timeout`.
    ///
    /// - Throws: `LIBUSB_ERROR_TIMEOUT` when the device did not take them all in time (how many
    ///   it took is unknown to the protocol, so the message is lost), `LIBUSB_ERROR_NO_DEVICE`,
    ///   `LIBUSB_ERROR_PIPE`, `LIBUSB_ERROR_IO`.
    ///
    /// The corresponding C functions are `libusb_bulk_transfer` and `libusb_interrupt_transfer`.
    public func write(_ bytes: [UInt8], to endpoint: USBEndpointDescriptor, timeout: Duration) throws(LibUSBError) {
        precondition(!endpoint.isInput, "write to an IN endpoint")
        var buffer = bytes
        var transferred: Int32 = 0
        let result = transfer(endpoint, &buffer, length: bytes.count, transferred: &transferred, timeout: timeout)
        guard result == 0 else {
            throw LibUSBError(
                code: result, operation: "write endpoint 0x\(hex(endpoint.address))", device: device.location)
        }
    }

    /// A control transfer on endpoint 0: the data stage is `data` for host-to-device requests
    /// (`requestType` bit 7 clear), else up to `data.count` bytes read into it.
    ///
    /// - Returns: The number of data bytes moved.
    ///
    /// The corresponding C function is `libusb_control_transfer`.
    public func control(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, data: inout [UInt8], timeout: Duration
    ) throws(LibUSBError) -> Int {
        let count = UInt16(clamping: data.count)
        let result = data.withUnsafeMutableBufferPointer { buffer in
            libusb_control_transfer(
                handle, requestType, request, value, index, buffer.baseAddress, count, Self.milliseconds(timeout))
        }
        guard result >= 0 else {
            throw LibUSBError(
                code: result, operation: "control request 0x\(hex(request))", device: device.location)
        }
        return Int(result)
    }

    private func transfer(
        _ endpoint: USBEndpointDescriptor, _ buffer: inout [UInt8], length: Int, transferred: inout Int32,
        timeout: Duration
    ) -> Int32 {
        let milliseconds = Self.milliseconds(timeout)
        return buffer.withUnsafeMutableBufferPointer { buffer in
            switch endpoint.transferType {
            case .interrupt:
                libusb_interrupt_transfer(
                    handle, endpoint.address, buffer.baseAddress, Int32(length), &transferred, milliseconds)
            case .bulk, .control, .isochronous:
                // Control and isochronous endpoints never appear in an interface's list for these
                // transfers; libusb answers them with an error of its own.
                libusb_bulk_transfer(
                    handle, endpoint.address, buffer.baseAddress, Int32(length), &transferred, milliseconds)
            }
        }
    }

    /// libusb's timeout in milliseconds, at least 1: 0 means "wait forever" to libusb.
    static func milliseconds(_ timeout: Duration) -> UInt32 {
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0 else { return 1 }
        let total = seconds.multipliedReportingOverflow(by: 1000)
        let milliseconds = total.overflow ? Int64.max : total.partialValue + attoseconds / 1_000_000_000_000_000
        return UInt32(clamping: max(1, milliseconds))
    }

    private func hex(_ value: UInt8) -> String {
        let text = String(value, radix: 16)
        return text.count == 1 ? "0" + text : text
    }
}
