/// Cuts a byte stream into whole APDUs by their 4-byte header (choice, length), for transports whose
/// reads do not line up with APDUs: USB bulk transfers that end mid-APDU or hold several, and serial.
public struct APDUFramer: Sendable {
    /// An APDU announced larger than the limit: the manager answers ABRT(buffer-overflow).
    public struct Oversize: Error, Sendable, Equatable, CustomStringConvertible {
        public var announced: Int
        public var limit: Int

        public init(announced: Int, limit: Int) {
            self.announced = announced
            self.limit = limit
        }

        public var description: String {
            "an APDU of \(announced) bytes exceeds the \(limit)-byte limit; the device must be aborted (buffer-overflow)"
        }
    }

    /// The largest APDU accepted, header included.
    public let limit: Int
    private var buffer: [UInt8] = []

    /// `limit` defaults to the most a header can announce (65535 + 4).
    public init(limit: Int = 65_539) {
        self.limit = limit
    }

    /// Bytes held for an APDU not yet complete.
    public var pending: Int { buffer.count }

    /// Adds bytes; returns every APDU now complete, in order. After an `Oversize` error the stream cannot
    /// be resynchronised: call `reset()` (with the association aborted) before feeding more.
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(Oversize) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var frames: [[UInt8]] = []
        var start = 0
        while let total = APDU.totalLength(header: buffer[start...]) {
            guard total <= limit else { throw Oversize(announced: total, limit: limit) }
            guard buffer.count - start >= total else { break }
            frames.append(Array(buffer[start..<start + total]))
            start += total
        }
        buffer.removeFirst(start)
        return frames
    }

    /// Drops any partial APDU (after a disconnect or an abort).
    public mutating func reset() {
        buffer.removeAll()
    }
}
