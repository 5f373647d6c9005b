import Foundation

/// The uploader's time: the wall clock for the store's due times, a monotonic clock for
/// everything it measures or waits for. Injected so tests run days of backoff in no time.
public protocol UploaderClock: Sendable {
    /// The wall clock, which may jump (NTP, a dead RTC after a power cut, an operator).
    func now() -> Date
    /// A monotonic reading: only differences mean anything, and it never goes back.
    func monotonicNow() -> Duration
    /// Waits `duration` on the monotonic clock, or less: callers re-check their state after
    /// every return. Throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clocks: `Date()` and `ContinuousClock`.
public struct SystemUploaderClock: UploaderClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Date { Date() }

    public func monotonicNow() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration, clock: .continuous)
    }
}
