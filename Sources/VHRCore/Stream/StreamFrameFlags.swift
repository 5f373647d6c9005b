/// Per-frame flags; the header's `u16` at offset 6.
public struct StreamFrameFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Samples were lost, or the device was reopened, before this frame.
    public static let discontinuity = StreamFrameFlags(rawValue: 1 << 0)
    /// The payload holds a full-scale sample: the input is probably clipping.
    public static let clipped = StreamFrameFlags(rawValue: 1 << 1)
    /// The format changed: a HELLO follows, or this is the HELLO that announces it.
    public static let formatChanged = StreamFrameFlags(rawValue: 1 << 2)
    /// The chest piece does not seem to touch skin (little low-band energy).
    public static let noContact = StreamFrameFlags(rawValue: 1 << 3)
    /// The device's own filter (bell, diaphragm, …) changed.
    public static let deviceFilterChanged = StreamFrameFlags(rawValue: 1 << 4)
}
