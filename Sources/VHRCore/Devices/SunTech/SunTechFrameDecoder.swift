/// Finds module-to-host frames in the serial byte stream, one per call.
///
/// The shape is a single step, as in SwiftNIO's `ByteToMessageDecoder`: the caller appends what
/// the port read to `buffer` and calls ``decode(buffer:)`` until it returns `nil` ("need more").
/// Consumed bytes are removed from the front of `buffer`.
///
/// A serial line has no framing of its own, so the decoder never gives up: bytes that cannot
/// start a frame, a start byte with an impossible length, and a candidate whose checksum fails
/// are dropped one byte at a time and the search resumes at the next '>', so a valid frame
/// after garbage is never lost. Dropped bytes are counted, with the last reason, for the log.
public struct SunTechFrameDecoder: Sendable {
    /// Bytes dropped while resynchronising, since this decoder was made.
    public private(set) var discardedByteCount = 0
    /// Why the last candidate frame was dropped (invalid length or bad checksum), if one was.
    public private(set) var lastDiscardReason: SunTechError?

    public init() {}

    /// The next whole, checksum-verified frame at the front of `buffer`, or `nil` to wait for more.
    public mutating func decode(buffer: inout [UInt8]) -> SunTechFrame? {
        var start = 0
        defer { consume(start, from: &buffer) }
        while true {
            guard let candidate = buffer[start...].firstIndex(of: SunTechFrame.startByte) else {
                discardedByteCount += buffer.count - start
                start = buffer.count
                return nil
            }
            discardedByteCount += candidate - start
            start = candidate
            guard buffer.count - start >= 2 else { return nil }
            let length = Int(buffer[start + 1])
            guard (SunTechFrame.minimumLength...SunTechFrame.maximumLength).contains(length) else {
                drop(reason: .invalidLength(buffer[start + 1]), start: &start)
                continue
            }
            guard buffer.count - start >= length else { return nil }
            do {
                let frame = try SunTechFrame(bytes: Array(buffer[start..<(start + length)]))
                start += length
                return frame
            } catch {
                drop(reason: error, start: &start)
            }
        }
    }

    /// Like ``decode(buffer:)`` at end of input: a candidate that can no longer complete is
    /// dropped and the search goes on, so a frame hidden behind a truncated one still comes out.
    /// Call it until it returns `nil`; `buffer` is then empty.
    ///
    /// Also call it when the line goes idle (no byte for a few character times): a noise byte
    /// '>' followed by a plausible length would otherwise hold back the reply behind it until
    /// that many more bytes arrive, and the module sends nothing more until it is asked.
    public mutating func decodeLast(buffer: inout [UInt8]) -> SunTechFrame? {
        while !buffer.isEmpty {
            if let frame = decode(buffer: &buffer) { return frame }
            guard !buffer.isEmpty else { return nil }
            // What is left starts with an incomplete candidate: skip its start byte.
            var start = 0
            drop(reason: nil, start: &start)
            consume(start, from: &buffer)
        }
        return nil
    }

    private mutating func drop(reason: SunTechError?, start: inout Int) {
        if let reason { lastDiscardReason = reason }
        discardedByteCount += 1
        start += 1
    }

    private func consume(_ count: Int, from buffer: inout [UInt8]) {
        if count == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if count > 0 {
            buffer.removeFirst(count)
        }
    }
}
