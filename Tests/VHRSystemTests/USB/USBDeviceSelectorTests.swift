import Testing
import VHRSystem

@Suite struct USBDeviceSelectorTests {
    static let phdc = USBDeviceDescription(
        bus: 1, address: 7, portPath: [2], vendorID: 0x1209, productID: 0x0002, deviceClass: 0,
        interfaceClasses: [0x0F])
    static let phdcInterfaces = [
        USBInterfaceDescriptor(
            number: 0, interfaceClass: 0x0F,
            endpoints: [
                USBEndpointDescriptor(address: 0x81, transferType: .bulk, maxPacketSize: 64),
                USBEndpointDescriptor(address: 0x01, transferType: .bulk, maxPacketSize: 64),
            ])
    ]

    @Test func everyFieldSetMustMatch() {
        func matches(_ selector: USBDeviceSelector) -> Bool {
            selector.matchesWithoutOpening(Self.phdc, interfaces: Self.phdcInterfaces)
        }
        #expect(matches(USBDeviceSelector()))
        #expect(
            matches(USBDeviceSelector(vendorID: 0x1209, productID: 0x0002, location: "usb 1-2", interfaceClass: 0x0F)))
        #expect(!matches(USBDeviceSelector(vendorID: 0x0590)))
        #expect(!matches(USBDeviceSelector(vendorID: 0x1209, productID: 0x0003)))
        #expect(!matches(USBDeviceSelector(location: "usb 1-3")))
        #expect(!matches(USBDeviceSelector(interfaceClass: 0x03)))
        // The serial number needs the device opened, so it does not decide here.
        #expect(matches(USBDeviceSelector(serialNumber: "PHDC0002")))
    }

    @Test func describesItselfForErrorMessages() {
        #expect(USBDeviceSelector().description == "any device")
        #expect(
            USBDeviceSelector(
                vendorID: 0x1209, productID: 0x2, serialNumber: "SN1", location: "usb 1-3", interfaceClass: 0xF
            )
            .description == "1209:0002 serial SN1 at usb 1-3 class 0x0f")
        #expect(USBDeviceSelector(vendorID: 0x590).description == "vendor 0590")
        #expect(USBDeviceSelector(productID: 0x28).description == "product 0028")
    }

    @Test func endpointsAreChosenByTypeAndDirection() {
        let interface = USBInterfaceDescriptor(
            number: 1, interfaceClass: 0x03,
            endpoints: [
                USBEndpointDescriptor(address: 0x81, transferType: .interrupt, maxPacketSize: 8, interval: 10),
                USBEndpointDescriptor(address: 0x02, transferType: .interrupt, maxPacketSize: 8, interval: 10),
            ])
        #expect(interface.endpoint(.interrupt, input: true)?.address == 0x81)
        #expect(interface.endpoint(.interrupt, input: false)?.address == 0x02)
        #expect(interface.endpoint(.bulk, input: true) == nil)
        #expect(USBEndpointDescriptor(address: 0x81, transferType: .bulk, maxPacketSize: 64).isInput)
        #expect(!USBEndpointDescriptor(address: 0x01, transferType: .bulk, maxPacketSize: 64).isInput)
        #expect(
            [0, 1, 2, 3, 0x06].map(USBEndpointDescriptor.TransferType.init(attributes:)) == [
                .control, .isochronous, .bulk, .interrupt, .bulk,
            ])
    }
}
