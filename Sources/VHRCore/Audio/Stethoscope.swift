/// The interface every stethoscope source offers the room, simulated or real.
///
/// A source owns its capture thread. Between `start` and `stop` it writes samples, paced in
/// real time, to the sink; it never waits for any reader.
public protocol Stethoscope: AnyObject, Sendable {
    var info: DeviceInfo { get }
    /// The format of what this source writes, fixed for its lifetime.
    var format: AudioFormat { get }
    /// Starts capturing into `sink`. Throws if the device cannot be opened.
    func start(sink: any AudioSink) throws(DeviceError)
    /// Stops capturing and joins the capture thread; no `write` happens after it returns.
    func stop()
}
