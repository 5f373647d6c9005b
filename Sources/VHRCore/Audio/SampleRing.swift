import Synchronization

/// The stethoscope's broadcast ring: one capture thread writes, any number of readers read.
///
/// The writer never waits and never looks at readers; when the ring is full it overwrites the
/// oldest frames. Each reader keeps its own cursor, a 64-bit frame index that counts from the
/// first frame ever written, and learns from `read` exactly how many frames it lost when the
/// writer lapped it (research note ringbuffer.md, "broadcast ring, overwrite-oldest").
///
/// Indices are free-running `UInt64`s: at 192 kHz they wrap after three million years, so
/// plain comparisons are safe. Storage is `capacity` frames, a power of two, allocated once.
///
/// The samples are relaxed atomics rather than plain memory: a reader may copy a slot while the
/// writer overwrites it (it detects this and discards the copy, as a seqlock does), and with
/// atomics that overlap is defined behaviour rather than a data race. On x86-64 and ARM64 a
/// relaxed 16-bit load or store is an ordinary `mov`/`ldrh`.
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

    /// The format of the frames in the ring.
    public let format: AudioFormat
    /// How many frames the ring holds; a power of two.
    public let capacity: Int

    private let mask: UInt64
    private let channels: Int
    private let storage: UnsafeMutablePointer<Atomic<Int16>>
    /// The writer's three words, on their own cache line so readers' traffic elsewhere (the
    /// object header's reference count) does not bounce it: see `Slot`.
    private let control: UnsafeMutablePointer<Atomic<UInt64>>

    private enum Slot {
        /// One past the last frame fully written; published with `.releasing`.
        static let written = 0
        /// One past the last frame the writer has started to overwrite (the seqlock's intent).
        static let intent = 1
        /// CLOCK_MONOTONIC ns of frame 0, extrapolated from the latest write (an Int64 bit pattern).
        static let epoch = 2
        static let count = 16  // 128 bytes: a cache line plus the adjacent-line prefetcher's pair.
    }

    /// Creates a ring of `capacity` frames.
    ///
    /// - Parameters:
    ///   - format: The frames' format.
    ///   - capacity: Frames, a power of two. At least 30 s of audio is recommended (backfill).
    public init(format: AudioFormat, capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "the ring capacity must be a power of two")
        self.format = format
        self.capacity = capacity
        self.mask = UInt64(capacity - 1)
        self.channels = format.channels
        let sampleCount = capacity * format.channels
        storage = .allocate(capacity: sampleCount)
        for index in 0..<sampleCount {
            (storage + index).initialize(to: Atomic(0))
        }
        control = UnsafeMutableRawPointer.allocate(byteCount: Slot.count * 8, alignment: 128)
            .bindMemory(to: Atomic<UInt64>.self, capacity: Slot.count)
        for index in 0..<Slot.count {
            (control + index).initialize(to: Atomic(0))
        }
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
        storage.deinitialize(count: capacity * channels)
        storage.deallocate()
        control.deinitialize(count: Slot.count)
        UnsafeMutableRawPointer(control).deallocate()
    }

    /// One past the index of the newest frame: the live edge, and the cursor a reader that wants
    /// only new audio starts from.
    public var writeIndex: UInt64 {
        // Acquiring: a reader that then reads up to this index must see those frames' samples.
        control[Slot.written].load(ordering: .acquiring)
    }

    /// The CLOCK_MONOTONIC time, in nanoseconds, at which frame `index` was (or will be) captured.
    ///
    /// Derived from the most recent write's capture time and the nominal rate, so it is exact for
    /// recent frames and drifts with the device clock for old ones. Zero-based before any write.
    public func captureTime(ofIndex index: UInt64) -> Int64 {
        // Relaxed: the epoch is one self-contained word; any value the writer stored is a valid
        // estimate, so it needs no ordering with the samples or the write index.
        let epoch = Int64(bitPattern: control[Slot.epoch].load(ordering: .relaxed))
        return epoch &+ Self.nanoseconds(frames: index, rate: format.sampleRate)
    }

    /// Appends frames, overwriting the oldest when full. Real-time safe: no allocation, lock or
    /// syscall; the writer never reads reader state.
    ///
    /// Must only be called from one thread at a time (the capture thread).
    public func write(_ samples: UnsafeBufferPointer<Int16>, captureTime: Int64) {
        precondition(samples.count % channels == 0, "the ring is written in whole frames")
        let frames = UInt64(samples.count / channels)
        guard frames > 0 else { return }
        // Relaxed: only this thread stores `written`, so it reads its own latest value.
        let start = control[Slot.written].load(ordering: .relaxed)
        let end = start + frames

        // Seqlock intent: announce the overwrite before touching any slot. The releasing fence
        // orders this store before the sample stores below, so a reader that sees any of the new
        // samples (and then fences with acquiring) also sees the intent and discards the slot.
        control[Slot.intent].store(end, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)

        // Only the last `capacity` frames of a very large write survive; skip the rest.
        let skipped = frames > UInt64(capacity) ? frames - UInt64(capacity) : 0
        var index = start + skipped
        var source = Int(skipped) * channels
        while index < end {
            // Relaxed: the samples are published by the releasing store of `written` below.
            let base = Int(index & mask) * channels
            for channel in 0..<channels {
                storage[base + channel].store(samples[source + channel], ordering: .relaxed)
            }
            source += channels
            index += 1
        }

        let epoch = captureTime &- Self.nanoseconds(frames: start, rate: format.sampleRate)
        // Relaxed: see `captureTime(ofIndex:)`.
        control[Slot.epoch].store(UInt64(bitPattern: epoch), ordering: .relaxed)
        // Releasing: publishes the samples stored above to readers that load `written` with acquiring.
        control[Slot.written].store(end, ordering: .releasing)
    }

    /// Copies frames starting at `cursor` into `buffer`, never returning overwritten samples.
    ///
    /// If the writer lapped the cursor, the copy starts at the oldest frame still intact and
    /// `lost` says how many frames were skipped. A cursor at or past the live edge copies
    /// nothing. Any number of threads may read at once, each with its own cursor.
    ///
    /// - Parameters:
    ///   - cursor: The index of the next frame this reader wants.
    ///   - buffer: Room for whole frames; the copied frames start at its beginning.
    public func read(from cursor: UInt64, into buffer: UnsafeMutableBufferPointer<Int16>) -> ReadResult {
        precondition(buffer.count % channels == 0, "read into whole frames")
        // Acquiring: pairs with the writer's releasing store, so frames below `written` are visible.
        let written = control[Slot.written].load(ordering: .acquiring)
        let oldest = written > UInt64(capacity) ? written - UInt64(capacity) : 0
        let first = max(cursor, oldest)
        guard first < written else {
            return ReadResult(firstIndex: first, count: 0, lost: first - cursor)
        }
        let end = min(written, first + UInt64(buffer.count / channels))
        var index = first
        var target = 0
        while index < end {
            // Relaxed: visibility comes from the acquiring load above; overlap with the writer
            // is detected below.
            let base = Int(index & mask) * channels
            for channel in 0..<channels {
                buffer[target + channel] = storage[base + channel].load(ordering: .relaxed)
            }
            target += channels
            index += 1
        }

        // Seqlock check: the acquiring fence pairs with the writer's releasing fence, so if any
        // sample copied above was already being overwritten, the intent loaded next covers it.
        atomicMemoryFence(ordering: .acquiring)
        let intent = control[Slot.intent].load(ordering: .relaxed)
        // Frame i shares its slot with frame i + capacity, so frames below intent - capacity may be torn.
        let intact = intent > UInt64(capacity) ? intent - UInt64(capacity) : 0
        guard intact > first else {
            return ReadResult(firstIndex: first, count: Int(end - first), lost: first - cursor)
        }
        guard intact < end else {
            return ReadResult(firstIndex: intact, count: 0, lost: intact - cursor)
        }
        let dropped = Int(intact - first) * channels
        let kept = Int(end - intact) * channels
        // Move the intact tail to the front; a forward copy is safe because it moves leftwards.
        for offset in 0..<kept {
            buffer[offset] = buffer[dropped + offset]
        }
        return ReadResult(firstIndex: intact, count: Int(end - intact), lost: intact - cursor)
    }

    /// Nanoseconds spanned by `frames` at `rate`, without overflowing for any realistic uptime.
    static func nanoseconds(frames: UInt64, rate: Int) -> Int64 {
        let rate = UInt64(rate)
        let seconds = frames / rate
        let rest = frames % rate
        return Int64(truncatingIfNeeded: seconds &* 1_000_000_000 &+ rest * 1_000_000_000 / rate)
    }
}
