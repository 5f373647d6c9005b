import VHRCore

/// The capture sink the daemon hands its stethoscope: writes each block to the ring, then wakes
/// the servers that read it (see `CaptureWakeup.wake`).
public final class WakingSink: AudioSink {
    /// The ring every block goes to first.
    public let ring: SampleRing
    private let wakeups: [CaptureWakeup]

    public init(ring: SampleRing, wakeups: [CaptureWakeup]) {
        self.ring = ring
        self.wakeups = wakeups
    }

    public func write(_ samples: UnsafeBufferPointer<Int16>, captureTime: Int64) {
        ring.write(samples, captureTime: captureTime)
        for wakeup in wakeups { wakeup.wake() }
    }
}
