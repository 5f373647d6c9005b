import VHRCore

/// A ``CuffLink`` that can also send a HID feature report (SET_REPORT(Feature) on the control
/// pipe), which the Omron HEM-790IT needs to switch between its "device info" and "daily data"
/// modes. A link without it still reads the monitor, in whatever mode the monitor is in.
public protocol HIDFeatureReportSending: CuffLink {
    /// Sends `bytes` as feature report 0, or throws `.disconnected` or `.write`.
    func sendFeatureReport(_ bytes: [UInt8], timeout: Duration) throws(DeviceError)
}
