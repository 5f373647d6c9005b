extension UdevRules {
    /// A profile's match rule the generator left out of the udev files, and why.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        /// Why a rule was left out.
        public enum Reason: Sendable, Equatable, CustomStringConvertible {
            /// The ids are a generic USB-serial adapter's, found inside many unrelated devices.
            case genericSerialAdapter
            /// Another profile, earlier in id order, already claims these ids.
            case alreadyClaimed(by: String)

            public var description: String {
                switch self {
                case .genericSerialAdapter:
                    "a generic USB-serial adapter, never claimed by its ids alone; add \"serialNumber\" to a "
                        + "\"serial\" rule, or enrol the unit in /etc/udev/rules.d/69-vhr-local.rules"
                case .alreadyClaimed(let owner):
                    "these ids are already the profile \(owner)'s; keep one profile per model"
                }
            }
        }

        /// The profile's id.
        public var profile: String
        public var rule: DeviceProfile.MatchRule
        public var reason: Reason

        public init(profile: String, rule: DeviceProfile.MatchRule, reason: Reason) {
            self.profile = profile
            self.rule = rule
            self.reason = reason
        }

        /// The rule as a profile writes it, like `usb 0403:6001`.
        public var ruleText: String {
            let hex = DeviceProfile.MatchRule.hex
            return switch rule {
            case .usb(let vendor, let product): "usb \(hex(vendor)):\(hex(product))"
            case .alsa(let vendor, let product, _): "alsa \(hex(vendor)):\(hex(product))"
            case .serial(let vendor, let product, let serialNumber):
                "serial \(hex(vendor)):\(hex(product))" + (serialNumber.map { " \($0)" } ?? "")
            case .usbInterface(let interfaceClass): "usbInterface \(UdevRules.hex2(interfaceClass))"
            }
        }

        public var description: String {
            "\(profile).json: match \(ruleText) left out of the udev files: \(reason)"
        }
    }
}
