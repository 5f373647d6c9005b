import Dispatch
import Synchronization
import VHRCore

/// Wakes an audio server's queue right after the capture thread has written a block, so its
/// listeners get the block at once instead of at the server's next timer tick.
///
/// A timer pumping at the capture period drifts against the capture timeline: a block landing
/// just after a tick waits a whole period (at 10 ms blocks, p99 ≈ 10 ms). Waking on the write
/// itself removes that wait and costs no wake-up when nothing was written.
///
/// The server arms it while it has listeners; disarmed, `wake()` is one relaxed load and
/// nothing else, so a room nobody listens to costs the capture thread nothing.
///
/// It also owns the server's slow housekeeping timer (keepalives, stalls, refusals, and a
/// fallback should the ring be written without a wake), so both triggers start and stop together.
// @unchecked Sendable: `source` and `timer` are Dispatch objects, safe to use from any thread;
// `armed` is atomic.
public final class CaptureWakeup: @unchecked Sendable {
    private let source: any DispatchSourceUserDataAdd
    private let timer: any DispatchSourceTimer
    private let armed = Atomic<Bool>(false)

    /// A wake-up whose handler (set with `setHandler` or `startPump`) runs on `queue`.
    init(queue: DispatchQueue) {
        source = DispatchSource.makeUserDataAddSource(queue: queue)
        timer = DispatchSource.makeTimerSource(queue: queue)
        // Active from the start: Dispatch must not release a suspended source, and an active
        // one without a handler just absorbs wakes (the timer is not scheduled until startPump).
        source.activate()
        timer.activate()
    }

    deinit {
        source.cancel()
        timer.cancel()
    }

    /// Runs `pump` on the queue after every (coalesced) wake, and every `milliseconds` anyway.
    func startPump(everyMilliseconds milliseconds: Int, _ pump: @escaping @Sendable () -> Void) {
        setHandler(pump)
        let period = DispatchTimeInterval.milliseconds(max(1, milliseconds))
        timer.setEventHandler(handler: pump)
        timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(10))
    }

    /// What runs on the queue after one or more wakes (they coalesce).
    func setHandler(_ handler: @escaping @Sendable () -> Void) {
        source.setEventHandler(handler: handler)
    }

    /// Whether `wake()` reaches the queue. Set by the server when its first listener joins and its
    /// last one leaves.
    var isArmed: Bool {
        get { armed.load(ordering: .relaxed) }
        // Relaxed: a wake missed or sent while the flag changes is harmless; the server's own
        // timer covers it within one housekeeping period.
        set { armed.store(newValue, ordering: .relaxed) }
    }

    /// Tells the queue new audio is in the ring. Called on the capture thread, after the ring write.
    ///
    /// Why this is acceptable on the real-time thread (the ring's own `write` makes no syscall):
    /// it runs once per capture block (every 10 ms), not per sample, and after the samples are
    /// published, so it never delays a reader. Dispatch merges the wake with an atomic add and
    /// pushes the source onto the queue lock-free; at most one futex wake of an idle worker thread
    /// follows. It never allocates, never takes a lock and never blocks, and the wakes coalesce,
    /// so a slow server cannot make the capture thread queue work up.
    public func wake() {
        guard armed.load(ordering: .relaxed) else { return }
        source.add(data: 1)
    }

    /// Stops delivering wakes and timer ticks; the server is stopping.
    func cancel() {
        isArmed = false
        source.cancel()
        timer.cancel()
    }
}
