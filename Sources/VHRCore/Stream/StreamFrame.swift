/// One frame of the stream socket: a header and its payload.
public struct StreamFrame: Sendable, Equatable {
    /// The header; its `payloadLength` always equals `payload.count`.
    public private(set) var header: StreamFrameHeader
    public private(set) var payload: [UInt8]

    /// A frame with `payload`; sets the header's `payloadLength` to match.
    /// - Precondition: `payload.count <= 65536`.
    public init(header: StreamFrameHeader, payload: [UInt8] = []) {
        precondition(
            payload.count <= StreamFrameHeader.maxPayloadLength, "a stream frame payload is at most 65536 bytes")
        self.header = header
        self.header.payloadLength = UInt32(payload.count)
        self.payload = payload
    }

    /// A HELLO, EVENT or ERROR frame whose payload is `value` as one line of JSON.
    public init(header: StreamFrameHeader, json value: JSONValue) {
        precondition(header.type.carriesJSON, "only HELLO, EVENT and ERROR frames carry JSON")
        self.init(header: header, payload: Array(value.jsonLine().utf8))
    }

    /// The frame as it goes on the wire: the 48-byte header, then the payload.
    public func encoded() -> [UInt8] {
        header.encoded() + payload
    }

    /// An AUDIO payload as interleaved samples.
    public var samples: [Int16] {
        let count = payload.count / 2
        return payload.withUnsafeBytes { raw in
            (0..<count).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }

    /// The payload of a HELLO, EVENT or ERROR frame as JSON.
    /// - Throws: ``StreamFrameError/badJSONPayload(_:)`` if the frame is another type or the
    ///   payload is not a JSON object.
    public func jsonPayload() throws(StreamFrameError) -> JSONValue {
        guard header.type.carriesJSON, let text = String(validating: payload, as: UTF8.self),
            let value = try? JSONValue(parsing: text), value.objectValue != nil
        else { throw .badJSONPayload(header.type) }
        return value
    }

    /// The HELLO this frame carries.
    public func hello() throws(StreamFrameError) -> StreamHello {
        guard header.type == .hello, let hello = try? jsonPayload().decode(StreamHello.self) else {
            throw .badJSONPayload(header.type)
        }
        return hello
    }

    /// The event this frame carries.
    public func event() throws(StreamFrameError) -> ControlEvent {
        guard header.type == .event, case .event(let event)? = try? ControlMessage.decode(line: jsonLine()) else {
            throw .badJSONPayload(header.type)
        }
        return event
    }

    /// The daemon's reason for refusing or closing the connection, from an ERROR frame.
    public func error() throws(StreamFrameError) -> RemoteError {
        guard header.type == .error, let error = RemoteError(jsonValue: try jsonPayload()) else {
            throw .badJSONPayload(header.type)
        }
        return error
    }

    private func jsonLine() -> String {
        String(decoding: payload, as: UTF8.self)
    }
}
