extension SampleRing {
    /// The frames last read from the ring, kept for the other readers one thread serves.
    ///
    /// A thread serving many readers (vhrd's stream server, one pump for every client) usually
    /// finds them at the same cursor, all wanting the frames that just arrived. Reading the ring
    /// for each would pull every frame across cores once per reader and touch the writer's
    /// control line twice per reader (the acquiring load of `written`, the seqlock check). Through
    /// a cache the ring is read once per distinct cursor: the first reader fills it, and the
    /// others copy from memory this thread just wrote, still in its cache.
    ///
    /// A cached copy stays correct after the ring moves on. It passed the seqlock check when it
    /// was read, so it holds exactly the frames of its indices, and a frame never changes once
    /// written: a reader served from the cache gets the samples it would have got from the ring
    /// a moment earlier, even if the writer has overwritten their slots since. Loss is counted
    /// per reader, from its own cursor, exactly as `SampleRing.read` counts it.
    ///
    /// Not thread-safe: one cache per serving thread. Storage is allocated once, in `init`.
    public struct ReadCache: ~Copyable {
        /// The ring read from.
        public let ring: SampleRing
        private let frames: UnsafeMutableBufferPointer<Int16>
        /// Frames the cache holds at most.
        public let capacity: Int
        /// The cached frames are `first ..< end`; empty when equal.
        private var first: UInt64 = 0
        private var end: UInt64 = 0

        /// A cache of up to `capacity` frames (usually the largest read one reader makes).
        public init(ring: SampleRing, capacity: Int) {
            precondition(capacity > 0, "a read cache holds at least one frame")
            self.ring = ring
            self.capacity = capacity
            frames = .allocate(capacity: capacity * ring.format.channels)
            frames.initialize(repeating: 0)
        }

        deinit {
            frames.deallocate()
        }

        /// Copies the frames from `cursor` on into `buffer`, as `SampleRing.read(from:into:)`
        /// does, from the cache when it holds the frame at `cursor`, else from the ring (refilling
        /// the cache from `cursor`). It never returns overwritten samples, and `lost` counts the
        /// frames between `cursor` and `firstIndex` that this reader missed.
        public mutating func read(from cursor: UInt64, into buffer: UnsafeMutableBufferPointer<Int16>)
            -> ReadResult
        {
            let channels = ring.format.channels
            let room = channels == 1 ? buffer.count : buffer.count / channels
            precondition(room * channels == buffer.count, "read into whole frames")
            if cursor < first || cursor >= end {
                let filled = ring.read(from: cursor, into: frames)
                first = filled.firstIndex
                end = filled.nextCursor
                guard filled.count > 0 else { return filled }
            }
            // After a refill `first` may be past `cursor` (lapped); `lost` then says by how much.
            let start = max(cursor, first)
            let count = Int(min(end - start, UInt64(room)))
            if count > 0, let target = buffer.baseAddress, let source = frames.baseAddress {
                target.update(from: source + Int(start - first) * channels, count: count * channels)
            }
            return ReadResult(firstIndex: start, count: count, lost: start - cursor)
        }

        /// `read(from:into:)` for a `Reader`, advancing its cursor and loss as `Reader.read` does.
        public mutating func read(_ reader: inout Reader, into buffer: UnsafeMutableBufferPointer<Int16>)
            -> ReadResult
        {
            let result = read(from: reader.cursor, into: buffer)
            reader.advance(by: result)
            return result
        }
    }
}
