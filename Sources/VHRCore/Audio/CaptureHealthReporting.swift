/// A stethoscope source that can say whether it is capturing now, and if not, why.
///
/// Real devices come and go; the room shows a technician `streaming`, `waiting` (the device
/// is absent and being retried) or `fault` (with the reason) instead of assuming all is well.
public protocol CaptureHealthReporting: AnyObject, Sendable {
    /// Whether the device is open and being read now.
    var isCapturing: Bool { get }
    /// The latest reason the device could not be opened or read, until it works again.
    var lastError: DeviceError? { get }
    /// Capture overruns so far: each one is a gap in the audio.
    var overruns: Int { get }
}
