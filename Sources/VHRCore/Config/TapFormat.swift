/// What the plain audio tap (`tap.sock`) sends before the samples.
public enum TapFormat: String, Sendable, Equatable, CaseIterable {
    /// A streaming WAV header (sizes 0xFFFFFFFF), then S16LE: `aplay` and `sox` read the format
    /// themselves.
    case wav
    /// S16LE samples only: the reader must be told rate and channels.
    case raw
}
