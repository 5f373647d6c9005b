// Splits the control socket's byte stream into NDJSON lines.
//
// Memory stays bounded by one line: once the unterminated tail is longer than the limit, the
// framer stops buffering it and only counts bytes until the next newline, then reports the
// line as oversize and carries on with the next one. A client that sends one runaway line
// therefore costs at most `maxLineLength` plus the chunk just appended, and the connection
// stays usable.

/// Splits an incoming byte stream into lines terminated by `\n` or `\r\n`.
///
/// Feed it whatever `read` returned with ``append(_:)``, then call ``nextLine()`` until it
/// returns `nil` before appending again. Results do not depend on how the bytes were split.
public struct LineFramer: Sendable {
    /// One framed line, or why a line could not be delivered.
    public enum Result: Sendable, Equatable {
        /// A complete line without its terminator. May be empty.
        case line(String)
        /// A line whose content was longer than ``LineFramer/maxLineLength``; it was discarded.
        /// The associated value is its length in bytes, terminator excluded.
        case oversize(Int)
        /// A line that was not valid UTF-8; it was discarded.
        case invalidUTF8
    }

    /// The longest line content, in bytes without the terminator, that is delivered.
    public let maxLineLength: Int

    private var buffer: [UInt8] = []
    /// The first byte of `buffer` not yet consumed.
    private var start = 0
    /// `buffer[start..<scanned]` is known to hold no newline, so a byte-by-byte feed stays linear.
    private var scanned = 0
    /// Bytes counted so far of an oversize line being skipped; `nil` while not skipping.
    /// While skipping, `buffer` is empty.
    private var skipped: Int?
    /// Whether the last skipped byte was `\r`, which belongs to the terminator, not the line.
    private var skippedEndsInCR = false
    /// An oversize line whose newline arrived during `append`, not yet reported.
    private var finishedOversize: Int?

    public init(maxLineLength: Int = 65536) {
        precondition(maxLineLength > 0, "a line framer needs a positive maximum line length")
        self.maxLineLength = maxLineLength
    }

    /// Whether the framer is skipping an oversize line that has not ended yet. A server may
    /// use this to reply early or to drop a client that never sends a newline.
    public var isSkippingOversizeLine: Bool { skipped != nil }

    /// The number of bytes buffered and not yet returned as a line.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        guard var count = skipped else {
            buffer.append(contentsOf: bytes)
            return
        }
        // Skipping: count bytes up to the newline without storing them.
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                finishedOversize = count - (skippedEndsInCR ? 1 : 0)
                skipped = nil
                skippedEndsInCR = false
                buffer.append(contentsOf: bytes[bytes.index(after: index)...])
                return
            }
            count += 1
            skippedEndsInCR = byte == UInt8(ascii: "\r")
        }
        skipped = count
    }

    /// The next complete line, or `nil` when more bytes are needed.
    public mutating func nextLine() -> Result? {
        if let length = finishedOversize {
            finishedOversize = nil
            return .oversize(length)
        }
        guard skipped == nil else { return nil }

        guard let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = buffer.count
            let pending = buffer.count - start
            // One extra byte may still be the `\r` of a `\r\n`, so only beyond that is it certain.
            if pending > maxLineLength + 1 {
                skipped = pending
                skippedEndsInCR = buffer.last == UInt8(ascii: "\r")
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            return nil
        }

        var end = newline
        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let result: Result
        if end - start > maxLineLength {
            result = .oversize(end - start)
        } else if let line = String(validating: buffer[start..<end], as: UTF8.self) {
            result = .line(line)
        } else {
            result = .invalidUTF8
        }
        start = newline + 1
        scanned = start
        compact()
        return result
    }

    /// Ends the stream at EOF: returns the remaining lines, then what is left after the last
    /// newline as a final line, then `nil` (and the framer is reset). Call it until `nil`.
    public mutating func finish() -> Result? {
        if let result = nextLine() { return result }
        defer { self = LineFramer(maxLineLength: maxLineLength) }
        if let count = skipped { return .oversize(count - (skippedEndsInCR ? 1 : 0)) }
        guard start < buffer.count else { return nil }
        var end = buffer.count
        if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end - start > maxLineLength { return .oversize(end - start) }
        return String(validating: buffer[start..<end], as: UTF8.self).map(Result.line) ?? .invalidUTF8
    }

    /// Drops consumed bytes once they are most of the buffer, so compaction is amortized.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
    }
}
