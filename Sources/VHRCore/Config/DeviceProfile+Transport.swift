extension DeviceProfile {
    /// How the daemon reaches a model, which decides the kind of match rule it needs.
    public enum Transport: String, Sendable, Codable, CaseIterable {
        /// No hardware: the device family simulates the device. Takes no match rules.
        case simulated
        /// A USB device the driver talks to through libusb. Matched with `usb` rules.
        case usb
        /// A serial port (a USB-serial adapter or CDC-ACM). Matched with `serial` rules.
        case serial
        /// An ALSA capture device (a USB audio stethoscope). Matched with `alsa` rules.
        case alsa
    }
}
