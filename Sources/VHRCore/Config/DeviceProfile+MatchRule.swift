extension DeviceProfile {
    /// How the daemon recognises a plugged-in unit of a model. Each kind of rule fits one
    /// ``Transport``; ids are written in JSON as 4 hex digits (`"0590"`), as `lsusb` shows them.
    public enum MatchRule: Sendable, Equatable, Codable {
        /// `{"usb": {"vendor": "0590", "product": "0090"}}`
        case usb(vendor: UInt16, product: UInt16)
        /// `{"usbInterface": {"class": "0f"}}`: any USB device with an interface of this class, for
        /// standard device classes that a model-independent family drives (USB PHDC is 0x0f).
        case usbInterface(class: UInt8)
        /// `{"serial": {"usbVendor": "0403", "usbProduct": "6001", "serialNumber": "A123XYZ"}}`.
        /// `serialNumber` (udev's `ID_USB_SERIAL_SHORT`) is optional, except on the generic
        /// USB-serial adapters in ``genericSerialAdapters``.
        case serial(usbVendor: UInt16, usbProduct: UInt16, serialNumber: String?)
        /// `{"alsa": {"usbVendor": "0d8c", "usbProduct": "0014", "cardName": "Device"}}`;
        /// `cardName` (the ALSA card id) is optional.
        case alsa(usbVendor: UInt16, usbProduct: UInt16, cardName: String?)

        /// The transport this kind of rule belongs to.
        public var transport: Transport {
            switch self {
            case .usb, .usbInterface: .usb
            case .serial: .serial
            case .alsa: .alsa
            }
        }

        /// USB-serial adapters found inside many unrelated devices (FTDI, Silicon Labs CP210x,
        /// WCH CH340, Prolific PL2303). Their vendor and product ids say nothing about what is
        /// attached, so a serial rule on one must also name the unit's serial number.
        public static let genericSerialAdapters: Set<[UInt16]> = [
            [0x0403, 0x6001], [0x0403, 0x6010], [0x0403, 0x6011], [0x0403, 0x6014], [0x0403, 0x6015],
            [0x10C4, 0xEA60], [0x1A86, 0x7523], [0x067B, 0x2303],
        ]

        private enum Keys: String, CodingKey, CaseIterable {
            case usb, usbInterface, serial, alsa
        }

        private enum InterfaceKeys: String, CodingKey, CaseIterable {
            case `class`
        }

        private enum USBKeys: String, CodingKey, CaseIterable {
            case vendor, product
        }

        private enum SerialKeys: String, CodingKey, CaseIterable {
            case usbVendor, usbProduct, serialNumber
        }

        private enum ALSAKeys: String, CodingKey, CaseIterable {
            case usbVendor, usbProduct, cardName
        }

        public init(from decoder: any Decoder) throws {
            try ProfileDecodingProblem.rejectUnknownKeys(Keys.self, in: decoder)
            let container = try decoder.container(keyedBy: Keys.self)
            guard container.allKeys.count == 1, let kind = container.allKeys.first else {
                throw ProfileDecodingProblem(
                    path: decoder.codingPath,
                    problem: "a match rule needs exactly one of \"usb\", \"usbInterface\", \"serial\" or \"alsa\"",
                    fix:
                        "write one rule per array element, like {\"usb\": {\"vendor\": \"0590\", \"product\": \"0090\"}}"
                )
            }
            switch kind {
            case .usb:
                let rule = try container.nestedContainer(keyedBy: USBKeys.self, forKey: .usb)
                try ProfileDecodingProblem.rejectUnknownKeys(USBKeys.self, in: container.superDecoder(forKey: .usb))
                self = .usb(vendor: try Self.hex(rule, .vendor), product: try Self.hex(rule, .product))
            case .usbInterface:
                let rule = try container.nestedContainer(keyedBy: InterfaceKeys.self, forKey: .usbInterface)
                try ProfileDecodingProblem.rejectUnknownKeys(
                    InterfaceKeys.self, in: container.superDecoder(forKey: .usbInterface))
                let text = try rule.decode(String.self, forKey: .class)
                guard text.count == 2, text.allSatisfy(\.isHexDigit), let value = UInt8(text, radix: 16) else {
                    throw ProfileDecodingProblem(
                        path: rule.codingPath + [InterfaceKeys.class], problem: "\"\(text)\" is not 2 hex digits",
                        fix: "write the interface class as lsusb -v shows it, like \"0f\" for PHDC")
                }
                guard value != 0x00, value != 0xFF else {
                    throw ProfileDecodingProblem(
                        path: rule.codingPath + [InterfaceKeys.class],
                        problem: "class \(text) says nothing about the device (per-interface or vendor-specific)",
                        fix: "match a vendor-specific device by its ids with a \"usb\" rule")
                }
                self = .usbInterface(class: value)
            case .serial:
                let rule = try container.nestedContainer(keyedBy: SerialKeys.self, forKey: .serial)
                try ProfileDecodingProblem.rejectUnknownKeys(
                    SerialKeys.self, in: container.superDecoder(forKey: .serial))
                let vendor = try Self.hex(rule, .usbVendor)
                let product = try Self.hex(rule, .usbProduct)
                let serialNumber = try Self.text(rule, .serialNumber)
                if serialNumber == nil && Self.genericSerialAdapters.contains([vendor, product]) {
                    throw ProfileDecodingProblem(
                        path: rule.codingPath + [SerialKeys.serialNumber],
                        problem: "\(Self.hex(vendor)):\(Self.hex(product)) is a generic USB-serial adapter, "
                            + "found in many unrelated devices",
                        fix: "add \"serialNumber\" (udev's ID_USB_SERIAL_SHORT) to match this one unit")
                }
                self = .serial(usbVendor: vendor, usbProduct: product, serialNumber: serialNumber)
            case .alsa:
                let rule = try container.nestedContainer(keyedBy: ALSAKeys.self, forKey: .alsa)
                try ProfileDecodingProblem.rejectUnknownKeys(ALSAKeys.self, in: container.superDecoder(forKey: .alsa))
                self = .alsa(
                    usbVendor: try Self.hex(rule, .usbVendor), usbProduct: try Self.hex(rule, .usbProduct),
                    cardName: try Self.text(rule, .cardName))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch self {
            case .usb(let vendor, let product):
                var rule = container.nestedContainer(keyedBy: USBKeys.self, forKey: .usb)
                try rule.encode(Self.hex(vendor), forKey: .vendor)
                try rule.encode(Self.hex(product), forKey: .product)
            case .usbInterface(let interfaceClass):
                var rule = container.nestedContainer(keyedBy: InterfaceKeys.self, forKey: .usbInterface)
                let digits = String(interfaceClass, radix: 16)
                try rule.encode(String(repeating: "0", count: 2 - digits.count) + digits, forKey: .class)
            case .serial(let vendor, let product, let serialNumber):
                var rule = container.nestedContainer(keyedBy: SerialKeys.self, forKey: .serial)
                try rule.encode(Self.hex(vendor), forKey: .usbVendor)
                try rule.encode(Self.hex(product), forKey: .usbProduct)
                try rule.encodeIfPresent(serialNumber, forKey: .serialNumber)
            case .alsa(let vendor, let product, let cardName):
                var rule = container.nestedContainer(keyedBy: ALSAKeys.self, forKey: .alsa)
                try rule.encode(Self.hex(vendor), forKey: .usbVendor)
                try rule.encode(Self.hex(product), forKey: .usbProduct)
                try rule.encodeIfPresent(cardName, forKey: .cardName)
            }
        }

        /// Four lower-case hex digits, as `lsusb` and udev's `ID_VENDOR_ID` write them.
        public static func hex(_ id: UInt16) -> String {
            let digits = String(id, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }

        /// Reads a USB id: exactly 4 hex digits, either case.
        private static func hex<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> UInt16 {
            let text = try container.decode(String.self, forKey: key)
            guard text.count == 4, text.allSatisfy(\.isHexDigit), let id = UInt16(text, radix: 16) else {
                throw ProfileDecodingProblem(
                    path: container.codingPath + [key], problem: "\"\(text)\" is not 4 hex digits",
                    fix: "write the USB id as lsusb shows it, like \"0590\"")
            }
            return id
        }

        /// Reads an optional non-empty string.
        private static func text<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws
            -> String?
        {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard !text.isEmpty else {
                throw ProfileDecodingProblem(
                    path: container.codingPath + [key], problem: "\"\(key.stringValue)\" is empty",
                    fix: "write the value, or leave the key out")
            }
            return text
        }
    }
}
