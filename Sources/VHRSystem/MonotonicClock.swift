// ALSA's headers, imported by other files of this module, pull in <time.h> too; in a
// whole-module (release) build Swift then credits `timespec` to CALSA, and member import
// visibility wants that module named here as well.
import CALSA
import Glibc

/// The system's monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds.
///
/// This is the clock audio capture times are stamped with: it never jumps when NTP or a
/// technician sets the wall clock, so pacing and latency computed from it stay right.
public enum MonotonicClock {
    private static let nanosecondsPerSecond: Int64 = 1_000_000_000

    /// The current time in nanoseconds since an arbitrary point (boot, on Linux).
    ///
    /// The corresponding C function is `clock_gettime`.
    public static func now() -> Int64 {
        var time = timespec()
        // CLOCK_MONOTONIC with a valid pointer cannot fail.
        let result = clock_gettime(CLOCK_MONOTONIC, &time)
        precondition(result == 0, "clock_gettime(CLOCK_MONOTONIC) failed")
        return Int64(time.tv_sec) * nanosecondsPerSecond + Int64(time.tv_nsec)
    }

    /// Sleeps until the clock reaches `deadline` (nanoseconds, as returned by `now()`).
    ///
    /// The deadline is absolute, so a loop that sleeps to `start + n × period` never drifts, and
    /// a signal that interrupts the sleep just resumes it. A deadline in the past returns at once.
    ///
    /// The corresponding C function is `clock_nanosleep` with `TIMER_ABSTIME`.
    public static func sleep(until deadline: Int64) {
        let clamped = max(0, deadline)
        var time = timespec(
            tv_sec: Int(clamped / nanosecondsPerSecond), tv_nsec: Int(clamped % nanosecondsPerSecond))
        while true {
            // clock_nanosleep returns the error number instead of setting errno.
            let result = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil)
            if result == 0 { return }
            // With an absolute deadline, retrying after a signal needs no adjustment.
            precondition(result == EINTR, "clock_nanosleep failed: \(Errno(rawValue: result))")
        }
    }
}
