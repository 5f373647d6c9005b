import VHRCore
import VHRSystem

/// A ``CuffLink`` over the bulk endpoints of a USB Personal Healthcare Device Class (0x0F)
/// interface, the transport of IEEE 11073-20601 agents such as certified blood-pressure monitors.
///
/// `receive` returns what one bulk IN transfer brought, of any size: part of an APDU, one, or
/// several; the driver's `APDUFramer` reassembles them by their 4-byte header. Each transfer asks
/// for ``receiveBufferSize`` bytes. PHDC metadata and QoS preambles stay off: they are only sent
/// once the host enables them with SET_FEATURE(PHDC_FEATURE_METADATA), which this link never does,
/// so the bulk pipes carry plain APDUs.
///
/// Hotplug: `open()` enumerates afresh in a new libusb session and throws `.notFound` while no
/// matching device is plugged in; after an unplug, calls throw `.disconnected` until the driver
/// closes the link and opens it again, polling `open()` at its reconnect delay. Polling rather than
/// libusb hotplug callbacks because those need an event thread per session and netlink events,
/// which a hardened unit or a test sandbox may not deliver, while enumeration only reads sysfs and
/// costs nothing noticeable every few seconds.
public final class USBPHDCLink: CuffLink {
    /// The bytes asked of each bulk IN transfer: a multiple of every legal bulk packet size (8 to
    /// 64 at full speed, 512 at high speed), so a device's packet never overflows it, and larger
    /// than the APDUs a monitor sends in practice. umockdev recordings must use it as `buflen`.
    public static let receiveBufferSize = 512

    private let link: USBInterfaceLink

    /// A link to the first PHDC device matching `selector` (any PHDC device by default).
    public init(selector: USBDeviceSelector = USBDeviceSelector()) {
        link = USBInterfaceLink(selector: selector, interfaceClass: USBInterfaceDescriptor.phdcClass, className: "PHDC")
        {
            interface in
            guard let input = interface.endpoint(.bulk, input: true),
                let output = interface.endpoint(.bulk, input: false)
            else { return nil }
            return USBInterfaceLink.Endpoints(input: input, output: output, receiveLength: Self.receiveBufferSize)
        }
    }

    /// `usb 1-3 (0x0f PHDC)` once open, the selector before.
    public var endpointDescription: String { link.endpointDescription }

    /// The bulk IN and OUT endpoints in use, `nil` when not open.
    public var endpoints: (input: USBEndpointDescriptor, output: USBEndpointDescriptor)? {
        link.openEndpoints.flatMap { endpoints in endpoints.output.map { (endpoints.input, $0) } }
    }

    public func open() throws(DeviceError) {
        try link.open()
    }

    public func receive(timeout: Duration) throws(DeviceError) -> [UInt8] {
        try link.receive(timeout: timeout)
    }

    public func send(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        try link.send(bytes, timeout: timeout)
    }

    public func close() {
        link.close()
    }
}
