import Synchronization

/// The stethoscope's broadcast ring: one capture thread writes, any number of readers read.
///
/// Public API (stable; the stream server, the simulated stethoscope and vhr-bench call it):
///
///     let ring = SampleRing(format: format, capacity: 65_536)   // or seconds:; startingAt: for tests
///     ring.write(samples, captureTime: ns)                     // AudioSink; the capture thread only
///     ring.read(from: cursor, into: buffer) -> ReadResult      // any thread: firstIndex, count, lost, nextCursor
///     ring.writeIndex, ring.captureTime(ofIndex:), ring.format, ring.capacity
///     var reader = ring.makeReader()                           // cursor at the live edge (or Reader(ring:cursor:))
///     reader.read(into: buffer) -> ReadResult; reader.cursor; reader.lost; reader.available
///     var cache = SampleRing.ReadCache(ring: ring, capacity: frames)  // one serving thread, many readers
///     cache.read(&reader, into: buffer) / cache.read(from: cursor, into: buffer) -> ReadResult
///
/// The writer never waits and never looks at readers; when the ring is full it overwrites the
/// oldest frames. Each reader keeps its own cursor, a 64-bit frame index counting from the first
/// frame ever written, so readers share nothing writable and add no traffic to the writer's lines.
/// A lapped reader learns exactly how many frames it lost (research note ringbuffer.md, "broadcast
/// ring, overwrite-oldest"): it resumes a margin after the oldest frame — the largest write seen so
/// far, at most half the ring — because the oldest frames are the very next ones to be overwritten.
///
/// Seqlock: before touching any slot the writer announces `intent` (one past the last frame it is
/// about to write); after copying, a reader re-checks `intent` and discards every frame that shares
/// a slot with a frame at or above it, so it never returns samples overwritten while it copied.
///
/// Indices are free-running `UInt64`s: at 192 kHz they wrap after three million years, so plain
/// comparisons are safe. Storage is allocated once.
///
/// The samples are stored as relaxed atomic 64-bit words, four samples each: a reader may copy a
/// slot while the writer overwrites it (it detects this and discards the copy), and with atomics
/// that overlap is defined behaviour rather than a data race, so the thread sanitizer stays quiet.
/// On x86-64 and ARM64 a relaxed 64-bit load or store is a plain `mov`/`ldr`, so bulk copies move
/// four samples per instruction; only a block's unaligned first and last word go sample by sample.
public final class SampleRing: AudioSink, @unchecked Sendable {
    // @unchecked: every field is either immutable after init or an atomic; the raw pointers are
    // only dereferenced through atomic operations.

    /// What one `read` returned.
    public struct ReadResult: Sendable, Equatable {
        /// Index of the first frame copied. Greater than the cursor if the reader was lapped.
        public var firstIndex: UInt64
        /// Frames copied to the start of the buffer.
        public var count: Int
        /// Frames between the cursor and `firstIndex` that were overwritten before they could be read.
        public var lost: UInt64

        public init(firstIndex: UInt64, count: Int, lost: UInt64) {
            self.firstIndex = firstIndex
            self.count = count
            self.lost = lost
        }

        /// Where the reader's cursor goes next.
        public var nextCursor: UInt64 { firstIndex + UInt64(count) }
    }

    /// A reader's cursor and running loss, so a reader need not thread them through `read` itself.
    ///
    /// A value type: each copy reads independently. Keep it in a local `var` on the reading thread.
    public struct Reader: Sendable {
        /// The ring read from.
        public let ring: SampleRing
        /// The index of the next frame this reader wants.
        public private(set) var cursor: UInt64
        /// Frames lost to the writer lapping this reader, or skipped with `skip(to:)`, since it was made.
        public private(set) var lost: UInt64 = 0

        /// A reader whose next frame is `cursor` (0 for everything still in the ring).
        public init(ring: SampleRing, cursor: UInt64) {
            self.ring = ring
            self.cursor = cursor
        }

        /// Copies the next frames into `buffer` and advances the cursor; see `SampleRing.read`.
        public mutating func read(into buffer: UnsafeMutableBufferPointer<Int16>) -> ReadResult {
            let result = ring.read(from: cursor, into: buffer)
            advance(by: result)
            return result
        }

        /// Takes in what a read from this reader's cursor returned.
        mutating func advance(by result: ReadResult) {
            lost += result.lost
            cursor = result.nextCursor
        }

        /// Frames written and not yet read (more than `ring.capacity` if this reader was lapped).
        public var available: UInt64 {
            let written = ring.writeIndex
            return written > cursor ? written - cursor : 0
        }

        /// Moves the cursor forward to `index`, counting the frames in between as lost (a reader that
        /// fell too far behind jumps to the live edge this way). Never moves backwards.
        public mutating func skip(to index: UInt64) {
            guard index > cursor else { return }
            lost += index - cursor
            cursor = index
        }
    }

    /// The format of the frames in the ring.
    public let format: AudioFormat
    /// How many frames the ring holds; a power of two.
    public let capacity: Int

    /// Frame slots in storage: `capacity`, but at least 4 so the storage is whole 64-bit words.
    private let mask: UInt64
    private let channels: Int
    /// Samples in storage, a multiple of 4.
    private let sampleCount: Int
    /// The samples, four per word, in memory order (the word's bytes are the samples' bytes).
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    /// The writer's words, on their own cache line pair so readers' traffic elsewhere (the object
    /// header's reference count) does not bounce it: see `Slot`.
    private let control: UnsafeMutablePointer<Atomic<UInt64>>

    private enum Slot {
        /// One past the last frame fully written; published with `.releasing`.
        static let written = 0
        /// One past the last frame the writer has started to overwrite (the seqlock's intent).
        static let intent = 1
        /// The latest write's first frame index and its CLOCK_MONOTONIC capture time (an Int64 bit
        /// pattern): written before `written` is published, read as a pair under the seqlock rule.
        static let anchorIndex = 2
        static let anchorTime = 3
        /// The largest write so far, in frames: how far past the oldest frame a lapped reader resumes.
        static let largestWrite = 4
        static let count = 16  // 128 bytes: a cache line plus the adjacent-line prefetcher's pair.
    }

    /// Creates a ring of `capacity` frames.
    ///
    /// - Parameters:
    ///   - format: The frames' format.
    ///   - capacity: Frames, a power of two. At least 30 s of audio is recommended (backfill).
    ///   - start: The index of the first frame to be written (tests start near 2^32); default 0.
    public init(format: AudioFormat, capacity: Int, startingAt start: UInt64 = 0) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "the ring capacity must be a power of two")
        self.format = format
        self.capacity = capacity
        let slots = max(capacity, 4)
        self.mask = UInt64(slots - 1)
        self.channels = format.channels
        sampleCount = slots * format.channels
        let wordCount = sampleCount / 4
        words = UnsafeMutableRawPointer.allocate(byteCount: wordCount * 8, alignment: 128)
            .bindMemory(to: Atomic<UInt64>.self, capacity: wordCount)
        for index in 0..<wordCount {
            (words + index).initialize(to: Atomic(0))
        }
        control = UnsafeMutableRawPointer.allocate(byteCount: Slot.count * 8, alignment: 128)
            .bindMemory(to: Atomic<UInt64>.self, capacity: Slot.count)
        for index in 0..<Slot.count {
            (control + index).initialize(to: Atomic(0))
        }
        control[Slot.written].store(start, ordering: .relaxed)  // Relaxed: init happens before any sharing.
        control[Slot.intent].store(start, ordering: .relaxed)
    }

    /// Creates a ring holding at least `seconds` of audio, rounded up to a power of two frames.
    public convenience init(format: AudioFormat, seconds: Double) {
        precondition(seconds > 0, "the ring must hold some audio")
        let frames = max(1, Int((seconds * Double(format.sampleRate)).rounded(.up)))
        var capacity = 1
        while capacity < frames { capacity <<= 1 }
        self.init(format: format, capacity: capacity)
    }

    deinit {
        words.deinitialize(count: sampleCount / 4)
        UnsafeMutableRawPointer(words).deallocate()
        control.deinitialize(count: Slot.count)
        UnsafeMutableRawPointer(control).deallocate()
    }

    /// One past the index of the newest frame: the live edge, and the cursor a reader that wants
    /// only new audio starts from.
    public var writeIndex: UInt64 {
        // Acquiring: a reader that then reads up to this index must see those frames' samples.
        control[Slot.written].load(ordering: .acquiring)
    }

    /// A reader starting at the live edge: it gets the frames written from now on.
    public func makeReader() -> Reader {
        Reader(ring: self, cursor: writeIndex)
    }

    /// The CLOCK_MONOTONIC time, in nanoseconds, at which frame `index` was (or will be) captured.
    ///
    /// Derived from the most recent write's capture time and the nominal rate, so it is exact for
    /// recent frames and drifts with the device clock for old ones. Zero-based before any write.
    public func captureTime(ofIndex index: UInt64) -> Int64 {
        // The anchor is two words; take a pair that belongs to one write (seqlock): `written`
        // (acquiring) makes that write's anchor visible, and if `intent` still equals it after the
        // acquiring fence, no later write had begun storing its anchor while we loaded it.
        var anchorIndex: UInt64
        var anchorTime: Int64
        repeat {
            let written = control[Slot.written].load(ordering: .acquiring)
            // Relaxed: ordered by the acquiring load above and validated by the check below.
            anchorIndex = control[Slot.anchorIndex].load(ordering: .relaxed)
            anchorTime = Int64(bitPattern: control[Slot.anchorTime].load(ordering: .relaxed))
            atomicMemoryFence(ordering: .acquiring)
            // Relaxed: the fence above pairs with the writer's releasing fence after it stores `intent`.
            if control[Slot.intent].load(ordering: .relaxed) == written { break }
        } while true
        let rate = format.sampleRate
        return index >= anchorIndex
            ? anchorTime &+ Self.nanoseconds(frames: index - anchorIndex, rate: rate)
            : anchorTime &- Self.nanoseconds(frames: anchorIndex - index, rate: rate)
    }

    /// Appends frames, overwriting the oldest when full. Real-time safe: no allocation, lock or
    /// syscall; the writer never reads reader state.
    ///
    /// Must only be called from one thread at a time (the capture thread).
    public func write(_ samples: UnsafeBufferPointer<Int16>, captureTime: Int64) {
        let frames = wholeFrames(inSamples: samples.count)
        precondition(frames * channels == samples.count, "the ring is written in whole frames")
        guard frames > 0, let source = samples.baseAddress else { return }
        // Relaxed: only this thread stores `written`, `intent` and `largestWrite`, so it reads its own values.
        let start = control[Slot.written].load(ordering: .relaxed)
        let end = start + UInt64(frames)

        // Seqlock intent: announce the overwrite before touching any slot. The releasing fence
        // orders this store before the sample stores below, so a reader that sees any of the new
        // samples (and then fences with acquiring) also sees the intent and discards the slot.
        control[Slot.intent].store(end, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)

        if UInt64(frames) > control[Slot.largestWrite].load(ordering: .relaxed) {
            // Relaxed: a hint for lapped readers; any value the writer stored is safe to use.
            control[Slot.largestWrite].store(UInt64(frames), ordering: .relaxed)
        }
        // Only the last `capacity` frames of a very large write survive; skip the rest.
        let skipped = max(0, frames - capacity)
        storeFrames(from: source + skipped * channels, count: frames - skipped, at: start + UInt64(skipped))

        // Relaxed: after the releasing fence above, published with `written`; see `captureTime(ofIndex:)`.
        control[Slot.anchorIndex].store(start, ordering: .relaxed)
        control[Slot.anchorTime].store(UInt64(bitPattern: captureTime), ordering: .relaxed)
        // Releasing: publishes the samples stored above to readers that load `written` with acquiring.
        control[Slot.written].store(end, ordering: .releasing)
    }

    /// Copies frames starting at `cursor` into `buffer`, never returning overwritten samples.
    ///
    /// If the writer lapped the cursor, the copy resumes a margin after the oldest frame still in
    /// the ring (the next ones to be overwritten) and `lost` says exactly how many frames were
    /// skipped; `firstIndex == cursor + lost` always. A cursor at or past the live edge copies
    /// nothing. Any number of threads may read at once, each with its own cursor.
    ///
    /// - Parameters:
    ///   - cursor: The index of the next frame this reader wants.
    ///   - buffer: Room for whole frames; the copied frames start at its beginning.
    public func read(from cursor: UInt64, into buffer: UnsafeMutableBufferPointer<Int16>) -> ReadResult {
        let room = wholeFrames(inSamples: buffer.count)
        precondition(room * channels == buffer.count, "read into whole frames")
        // Acquiring: pairs with the writer's releasing store, so frames below `written` are visible.
        let written = control[Slot.written].load(ordering: .acquiring)
        guard cursor < written else { return ReadResult(firstIndex: cursor, count: 0, lost: 0) }
        let held = UInt64(capacity)
        var first = cursor
        if written - cursor > held {
            // Lapped. Relaxed: `largestWrite` is a hint; the check after the copy keeps this correct.
            let margin = min(control[Slot.largestWrite].load(ordering: .relaxed), held / 2)
            first = written - held + margin
        }
        let frames = Int(min(written - first, UInt64(room)))
        guard frames > 0, let target = buffer.baseAddress else {
            return ReadResult(firstIndex: first, count: 0, lost: first - cursor)
        }
        loadFrames(into: target, count: frames, at: first)
        let end = first + UInt64(frames)

        // Seqlock check: the acquiring fence pairs with the writer's releasing fence, so if any
        // sample copied above was already being overwritten, the intent loaded next covers it.
        atomicMemoryFence(ordering: .acquiring)
        let intent = control[Slot.intent].load(ordering: .relaxed)
        // Frame i shares its slot with frame i + capacity (or more), so frames below intent - capacity may be torn.
        let intact = intent > held ? intent - held : 0
        guard intact > first else {
            return ReadResult(firstIndex: first, count: frames, lost: first - cursor)
        }
        guard intact < end else {
            return ReadResult(firstIndex: intact, count: 0, lost: intact - cursor)
        }
        let dropped = Int(intact - first) * channels
        let kept = Int(end - intact)
        // Move the intact tail to the front (memmove: the regions may overlap).
        UnsafeMutableRawPointer(target).copyMemory(from: target + dropped, byteCount: kept * channels * 2)
        return ReadResult(firstIndex: intact, count: kept, lost: intact - cursor)
    }

    /// `samples / channels`, without a division for mono (the common case; a division costs more
    /// than the rest of a short write).
    @inline(__always)
    private func wholeFrames(inSamples samples: Int) -> Int {
        channels == 1 ? samples : samples / channels
    }

    // MARK: - Copies between plain samples and the atomic words

    /// The bit position of lane `lane` (0...3) of a word, so that the word's bytes in memory are the
    /// lanes' samples in order: a whole word can then be copied to and from plain sample memory.
    @inline(__always)
    private static func shift(ofLane lane: Int) -> UInt64 {
        #if _endian(little)
            return UInt64(lane &* 16)
        #else
            return UInt64((3 &- lane) &* 16)
        #endif
    }

    /// Stores `count` frames from `source` into the slots of frames `first...`, split at the wrap.
    @inline(__always)
    private func storeFrames(from source: UnsafePointer<Int16>, count: Int, at first: UInt64) {
        let offset = Int(truncatingIfNeeded: first & mask) * channels
        let total = count * channels
        let head = min(total, sampleCount - offset)
        storeSamples(from: source, count: head, at: offset)
        if head < total { storeSamples(from: source + head, count: total - head, at: 0) }
    }

    /// Copies the slots of frames `first...` into `target`, split at the wrap.
    @inline(__always)
    private func loadFrames(into target: UnsafeMutablePointer<Int16>, count: Int, at first: UInt64) {
        let offset = Int(truncatingIfNeeded: first & mask) * channels
        let total = count * channels
        let head = min(total, sampleCount - offset)
        loadSamples(into: target, count: head, at: offset)
        if head < total { loadSamples(into: target + head, count: total - head, at: 0) }
    }

    /// Stores samples at sample offset `offset` (no wrap inside): whole words in the middle, the
    /// partial first and last words merged lane by lane.
    ///
    /// All stores are relaxed: the releasing store of `written` publishes them. Reading back a word
    /// before merging is safe because only the writer stores samples.
    @inline(__always)
    private func storeSamples(from source: UnsafePointer<Int16>, count: Int, at offset: Int) {
        var source = source
        var offset = offset
        var remaining = count
        if offset & 3 != 0, remaining > 0 {
            let taken = min(4 - offset & 3, remaining)
            merge(source, count: taken, intoWord: offset >> 2, lane: offset & 3)
            source += taken
            offset += taken
            remaining -= taken
        }
        let whole = remaining >> 2
        let raw = UnsafeRawPointer(source)
        let base = words + offset >> 2
        for index in 0..<whole {
            base[index].store(raw.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self), ordering: .relaxed)
        }
        let tail = remaining & 3
        if tail > 0 { merge(source + whole * 4, count: tail, intoWord: (offset >> 2) + whole, lane: 0) }
    }

    @inline(__always)
    private func merge(_ source: UnsafePointer<Int16>, count: Int, intoWord word: Int, lane: Int) {
        // Relaxed: the writer reads back its own store (see `storeSamples`).
        var value = words[word].load(ordering: .relaxed)
        for index in 0..<count {
            let shift = Self.shift(ofLane: lane &+ index)
            value = value & ~(0xFFFF << shift) | UInt64(UInt16(bitPattern: source[index])) << shift
        }
        words[word].store(value, ordering: .relaxed)
    }

    /// Loads samples from sample offset `offset` (no wrap inside) into `target`.
    ///
    /// All loads are relaxed: visibility comes from the acquiring load of `written`, and a copy
    /// that overlapped the writer is caught by the seqlock check in `read`.
    @inline(__always)
    private func loadSamples(into target: UnsafeMutablePointer<Int16>, count: Int, at offset: Int) {
        var target = target
        var offset = offset
        var remaining = count
        if offset & 3 != 0, remaining > 0 {
            let taken = min(4 - offset & 3, remaining)
            extract(fromWord: offset >> 2, lane: offset & 3, count: taken, into: target)
            target += taken
            offset += taken
            remaining -= taken
        }
        let whole = remaining >> 2
        let raw = UnsafeMutableRawPointer(target)
        let base = words + offset >> 2
        for index in 0..<whole {
            raw.storeBytes(of: base[index].load(ordering: .relaxed), toByteOffset: index &* 8, as: UInt64.self)
        }
        let tail = remaining & 3
        if tail > 0 { extract(fromWord: (offset >> 2) + whole, lane: 0, count: tail, into: target + whole * 4) }
    }

    @inline(__always)
    private func extract(fromWord word: Int, lane: Int, count: Int, into target: UnsafeMutablePointer<Int16>) {
        let value = words[word].load(ordering: .relaxed)
        for index in 0..<count {
            target[index] = Int16(bitPattern: UInt16(truncatingIfNeeded: value >> Self.shift(ofLane: lane &+ index)))
        }
    }

    /// Nanoseconds spanned by `frames` at `rate`, without overflowing for any realistic uptime.
    static func nanoseconds(frames: UInt64, rate: Int) -> Int64 {
        let rate = UInt64(rate)
        let seconds = frames / rate
        let rest = frames % rate
        return Int64(truncatingIfNeeded: seconds &* 1_000_000_000 &+ rest * 1_000_000_000 / rate)
    }
}
