/// A token bucket that caps how fast the upload queue drains, so a backlog from a week offline
/// reaches the server as a steady trickle instead of a burst.
///
/// Time is injected as readings of a monotonic clock (a `Duration` since any fixed origin). A
/// reading earlier than the previous one (a clock that stepped back, or readings from two
/// clocks) counts as no time passing and becomes the new reference, so it never stalls the
/// drain; a huge step forward fills the bucket only to `burst`, so it never releases more than
/// `burst` at once.
public struct DrainRate: Sendable, Equatable {
    /// Whether an upload may start now.
    public enum Permit: Sendable, Equatable {
        /// Go ahead; one token was taken.
        case granted
        /// Ask again after this long; nothing was taken.
        case wait(Duration)
    }

    /// Uploads allowed per second, sustained.
    public let perSecond: Double
    /// Uploads allowed at once after an idle spell.
    public let burst: Int
    private var tokens: Double
    private var last: Duration

    /// Creates a full bucket.
    ///
    /// - Parameters:
    ///   - perSecond: The sustained rate; must be positive.
    ///   - burst: The bucket's size; must be at least 1.
    ///   - now: The monotonic clock's current reading.
    public init(perSecond: Double, burst: Int, now: Duration) {
        precondition(perSecond > 0 && perSecond.isFinite && burst >= 1, "DrainRate needs a positive rate and burst")
        self.perSecond = perSecond
        self.burst = burst
        self.tokens = Double(burst)
        self.last = now
    }

    /// Takes a token if one is available at `now`, or says how long until one is.
    public mutating func requestPermit(at now: Duration) -> Permit {
        refill(at: now)
        // The tolerance absorbs floating-point rounding, so waiting exactly the returned time works.
        if tokens >= 1 - 1e-9 {
            tokens -= 1
            return .granted
        }
        let seconds = (1 - tokens) / perSecond
        return .wait(.nanoseconds(Int64((seconds * 1e9).rounded(.up))))
    }

    private mutating func refill(at now: Duration) {
        let elapsed = now - last
        last = now
        guard elapsed > .zero else { return }
        let (seconds, attoseconds) = elapsed.components
        let elapsedSeconds = Double(seconds) + Double(attoseconds) * 1e-18
        tokens = min(Double(burst), tokens + elapsedSeconds * perSecond)
    }
}
