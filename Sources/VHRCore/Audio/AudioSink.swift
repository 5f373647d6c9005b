/// Where a capture thread puts samples. The stethoscope's ring implements it.
///
/// - Important: `write` is called on the capture thread, in real time. An implementation
///   must not allocate, lock, block or hop to an actor. The ring's own write makes no syscall;
///   the daemon's `WakingSink` adds one cheap wake per block (not per sample) after the
///   samples are published, and says why.
public protocol AudioSink: AnyObject, Sendable {
    /// Appends captured samples.
    /// - Parameters:
    ///   - samples: interleaved S16 samples, a whole number of frames.
    ///   - captureTime: CLOCK_MONOTONIC nanoseconds at which the first sample was captured.
    func write(_ samples: UnsafeBufferPointer<Int16>, captureTime: Int64)
}
