import VHRCore

/// The seam between a cuff's protocol driver and the wire it talks over: USB PHDC bulk endpoints,
/// a USB HID interrupt pipe, a serial port, or, in tests, a recorded session replayed.
///
/// Drivers call it from one dedicated thread (never from the cooperative pool: every call may
/// block up to its timeout), so an implementation needs no locking of its own beyond what `close`
/// from another thread requires.
public protocol CuffLink: AnyObject, Sendable {
    /// Where the link goes, for logs and `vhrctl devices`: `usb 1-3 (0x0f PHDC)`, `/dev/ttyUSB0`.
    var endpointDescription: String { get }

    /// Opens the wire. Throws `.notFound` when the device is absent, `.permissionDenied` with the
    /// fix (group `vhr`), `.busy` when another process holds it.
    func open() throws(DeviceError)

    /// Waits up to `timeout` for input and returns what arrived: any number of bytes, possibly part
    /// of a message or several (one HID report or USB transfer at most per call); empty when the
    /// timeout passed with nothing. Throws `.disconnected` when the device went away, `.read` on
    /// any other failure.
    func receive(timeout: Duration) throws(DeviceError) -> [UInt8]

    /// Sends the bytes whole (one message, one HID report) or throws `.disconnected` or `.write`.
    func send(_ bytes: [UInt8], timeout: Duration) throws(DeviceError)

    /// Releases the wire; safe to call twice and from another thread, and makes a blocked
    /// `receive` return or throw promptly.
    func close()
}
