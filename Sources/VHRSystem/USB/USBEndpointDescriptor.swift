import CLibUSB

/// One endpoint of an interface, as the configuration descriptor declares it.
public struct USBEndpointDescriptor: Sendable, Equatable, Codable {
    /// How the endpoint moves data (`bmAttributes` bits 0–1).
    public enum TransferType: String, Sendable, Codable {
        case control, isochronous, bulk, interrupt

        /// The type from `bmAttributes`.
        public init(attributes: UInt8) {
            self =
                switch attributes & 0x03 {
                case 0: .control
                case 1: .isochronous
                case 2: .bulk
                default: .interrupt
                }
        }
    }

    /// `bEndpointAddress`: the number in bits 0–3, bit 7 set for IN (device to host).
    public var address: UInt8
    public var transferType: TransferType
    /// `wMaxPacketSize` bits 0–10: the largest packet the endpoint moves at once.
    public var maxPacketSize: UInt16
    /// `bInterval`: the polling interval of an interrupt endpoint, in frames.
    public var interval: UInt8

    public init(address: UInt8, transferType: TransferType, maxPacketSize: UInt16, interval: UInt8 = 0) {
        self.address = address
        self.transferType = transferType
        self.maxPacketSize = maxPacketSize
        self.interval = interval
    }

    /// Whether data flows from the device to the host.
    public var isInput: Bool { address & 0x80 != 0 }

    /// The endpoint from libusb's parsed descriptor.
    init(_ descriptor: libusb_endpoint_descriptor) {
        self.init(
            address: descriptor.bEndpointAddress, transferType: TransferType(attributes: descriptor.bmAttributes),
            maxPacketSize: descriptor.wMaxPacketSize & 0x07FF, interval: descriptor.bInterval)
    }
}
