/// Reads frames incrementally from the stream socket's bytes.
///
/// Feed it whatever `read` returned with ``append(_:)``, then call ``next()`` until it returns
/// `nil`. It checks the magic as soon as four bytes have arrived, so connecting it to the
/// wrong socket fails at once with a readable error. Errors are final: once ``next()`` has
/// thrown, it throws the same error again, and the connection should be closed.
public struct StreamFrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    /// The first byte of `buffer` not yet consumed.
    private var start = 0
    /// The header of the frame being waited for, once its 48 bytes have arrived.
    private var pending: (header: StreamFrameHeader, headerLength: Int)?
    private var failure: StreamFrameError?

    public init() {}

    /// The number of bytes received and not yet returned in a frame.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds bytes received from the daemon.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or `nil` when more bytes are needed.
    public mutating func next() throws(StreamFrameError) -> StreamFrame? {
        if let failure { throw failure }
        do {
            return try decodeNext()
        } catch {
            failure = error
            throw error
        }
    }

    /// Checks the stream ended on a frame boundary; call it at EOF.
    /// - Throws: ``StreamFrameError/truncatedFrame(_:)`` if bytes of a partial frame remain.
    public func finish() throws(StreamFrameError) {
        if let failure { throw failure }
        if bufferedByteCount > 0 { throw .truncatedFrame(bufferedByteCount) }
    }

    private mutating func decodeNext() throws(StreamFrameError) -> StreamFrame? {
        let available = buffer.count - start
        if pending == nil {
            let magicCount = min(available, StreamFrameHeader.magic.count)
            guard magicCount == StreamFrameHeader.magic.count else { return nil }
            let seen = Array(buffer[start..<start + magicCount])
            guard seen == StreamFrameHeader.magic else { throw .badMagic(seen) }
            guard available >= StreamFrameHeader.size else { return nil }
            // `withUnsafeBytes` only rethrows untyped errors, so carry the typed one out in a Result.
            let decoded = buffer.withUnsafeBytes { raw in
                Result { () throws(StreamFrameError) in
                    try StreamFrameHeader.decode(from: UnsafeRawBufferPointer(rebasing: raw[start...]))
                }
            }
            pending = try decoded.get()
        }
        guard let (header, headerLength) = pending else { return nil }
        let total = headerLength + Int(header.payloadLength)
        guard available >= total else { return nil }
        let payload = Array(buffer[(start + headerLength)..<(start + total)])
        start += total
        pending = nil
        compact()
        return StreamFrame(header: header, payload: payload)
    }

    /// Drops consumed bytes once they are most of the buffer, so compaction is amortized.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
