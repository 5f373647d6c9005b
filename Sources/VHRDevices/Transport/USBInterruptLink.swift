import VHRCore
import VHRSystem

/// A ``CuffLink`` over a USB HID interface's interrupt endpoints, as the Omron HEM-7xxx family
/// uses them: 8-byte reports in both directions.
///
/// `receive` returns one input report (one interrupt IN transfer of the endpoint's packet size).
/// `send` writes one output report to the interrupt OUT endpoint, or, when the interface has none
/// (the HEM-790IT), sends it as HID SET_REPORT(Output) on the control pipe. The kernel's usbhid
/// driver is detached from the interface while the link holds it. Hotplug as for ``USBPHDCLink``:
/// `open()` enumerates afresh and throws `.notFound` while the device is absent.
public final class USBInterruptLink: HIDFeatureReportSending {
    private let link: USBInterfaceLink

    /// A link to the first HID device matching `selector`; give at least the vendor and product
    /// ids, since keyboards and mice are HID devices too.
    public init(selector: USBDeviceSelector) {
        link = USBInterfaceLink(selector: selector, interfaceClass: USBInterfaceDescriptor.hidClass, className: "HID") {
            interface in
            guard let input = interface.endpoint(.interrupt, input: true) else { return nil }
            return USBInterfaceLink.Endpoints(
                input: input, output: interface.endpoint(.interrupt, input: false),
                receiveLength: Int(max(1, input.maxPacketSize)))
        }
    }

    /// `usb 1-4 (0x03 HID)` once open, the selector before.
    public var endpointDescription: String { link.endpointDescription }

    /// The interrupt IN endpoint and the OUT one if any, `nil` when not open.
    public var endpoints: (input: USBEndpointDescriptor, output: USBEndpointDescriptor?)? {
        link.openEndpoints.map { ($0.input, $0.output) }
    }

    public func open() throws(DeviceError) {
        try link.open()
    }

    public func receive(timeout: Duration) throws(DeviceError) -> [UInt8] {
        try link.receive(timeout: timeout)
    }

    public func send(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        try link.send(bytes, timeout: timeout) { handle, interface throws(LibUSBError) in
            // HID 1.11 §7.2.2 SET_REPORT: class request to the interface, report type 2 (output), id 0.
            var data = bytes
            _ = try handle.control(
                requestType: 0x21, request: 0x09, value: 0x0200, index: UInt16(interface.number), data: &data,
                timeout: timeout)
        }
    }

    /// HID 1.11 §7.2.2 SET_REPORT(Feature), report id 0, on the control pipe: how the Omron
    /// HEM-790IT is switched between its modes.
    public func sendFeatureReport(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        try link.control { handle, interface throws(LibUSBError) in
            var data = bytes
            _ = try handle.control(
                requestType: 0x21, request: 0x09, value: 0x0300, index: UInt16(interface.number), data: &data,
                timeout: timeout)
        }
    }

    public func close() {
        link.close()
    }
}
