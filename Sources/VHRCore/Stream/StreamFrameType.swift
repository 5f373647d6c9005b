/// What a frame on the stream socket carries; byte 5 of the header.
public enum StreamFrameType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// JSON ``StreamHello``: the stream's identity, format and clock mapping. Always the first
    /// frame, and sent again whenever the format or device changes.
    case hello = 1
    /// Interleaved samples in the header's format; `sample_index` is the first sample-frame's.
    case audio = 2
    /// No payload: `dropped` samples starting at `sample_index` are missing.
    case gap = 3
    /// JSON ``ControlEvent`` object, such as `{"event":"xrun",…}`.
    case event = 4
    /// No payload: the stream is alive but has no audio to send (the device is stopped).
    case keepalive = 5
    /// JSON ``RemoteError``: why the daemon refused or is closing the connection. The daemon
    /// closes the socket after it.
    case error = 6

    /// Whether the payload is a JSON object.
    public var carriesJSON: Bool { self == .hello || self == .event || self == .error }

    /// Whether the type must have an empty payload.
    public var isEmpty: Bool { self == .gap || self == .keepalive }

    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .audio: "AUDIO"
        case .gap: "GAP"
        case .event: "EVENT"
        case .keepalive: "KEEPALIVE"
        case .error: "ERROR"
        }
    }
}
