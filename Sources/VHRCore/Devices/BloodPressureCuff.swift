/// The interface every blood-pressure cuff driver offers the room, simulated or real.
///
/// A cuff pushes what it does as `CuffEvent`s to the handler given to `start`: some cuffs
/// (IEEE 11073 PHDs) measure when the patient presses their own button and only then report,
/// so the room listens to the stream rather than waiting on the `measure()` call.
public protocol BloodPressureCuff: AnyObject, Sendable {
    var info: DeviceInfo { get }
    /// Whether the room can start a measurement itself (a vendor OEM module can; a PHD
    /// monitor usually cannot, and the patient presses its button).
    var canStartRemotely: Bool { get }

    /// Opens the device and starts delivering events to `handler`, until `stop()`.
    func start(events handler: @escaping @Sendable (CuffEvent) -> Void) async throws(DeviceError)
    /// Starts one measurement cycle. Throws `.busy` if one is already running.
    func startMeasurement() async throws(DeviceError)
    /// Stops a running measurement and deflates; a no-op when idle.
    func abortMeasurement() async
    /// Releases the device. After it returns no more events are delivered.
    func stop() async
}
