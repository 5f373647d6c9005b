/// A stethoscope whose listening mode the clinician can switch while it streams.
///
/// The room finds it with `stethoscope as? any StethoscopeFilterSwitching`; a source without
/// modes (a recording) does not conform, and the control method says so.
public protocol StethoscopeFilterSwitching: AnyObject, Sendable {
    /// The mode the stream is in (or is fading to).
    var filterMode: StethoscopeFilter.Mode { get }
    /// Switches the mode: the next captured block uses it, faded in over 20 ms. Safe to call
    /// from any thread at any time, streaming or not; it never waits for the capture thread.
    func setFilter(_ mode: StethoscopeFilter.Mode)
}
