import Synchronization

/// A lock-free single-producer, single-consumer ring of samples (research note ringbuffer.md, §3).
///
/// Public API (stable; other modules call it):
///
///     let ring = SPSCRing<Int16>(capacity: 16_384)              // power of two; startingAt: for tests
///     // on the producer thread:                   // on the consumer thread:
///     var producer = ring.makeProducer()           var consumer = ring.makeConsumer()
///     producer.push(sample) -> Bool                consumer.pop() -> Int16?
///     producer.pushUnpublished(sample) -> Bool     (batched: visible after producer.publish())
///     producer.write(buffer) -> Int  (copied)      consumer.read(into: buffer) -> Int  (copied)
///     producer.writableCount() -> Int              consumer.readableCount() -> Int
///     producer.index (samples written)             consumer.index (samples read)
///
/// `makeProducer()` and `makeConsumer()` may each be called once per ring (a second call traps).
/// The handles are `~Copyable`: single-producer and single-consumer are enforced by the type. Call
/// `make…()` on the thread that will use the handle (a noncopyable value cannot be moved into an
/// escaping closure) and keep the handle in a local `var`, so its indices live in registers.
///
/// Design: 64-bit free-running indices (they never wrap in practice; all arithmetic is modular
/// anyway, `&+`/`&-`, and a test starts them just below 2^64). The shared write index and read index
/// sit 256 bytes apart in a block aligned to 128 bytes (Swift has no `alignas`), so neither side's
/// stores invalidate the other's line, nor the adjacent-line prefetcher's pair. Each handle holds its
/// own index and a cached copy of the other side's: the hot path stores only its own shared index and
/// loads the other side's line only when the cache says full (producer) or empty (consumer). Samples
/// live in storage allocated once; bulk copies are `update(from:count:)` (memmove), split at the wrap.
/// No allocation, lock, syscall, retain/release or exclusivity check on the hot path: the handles are
/// structs of raw pointers and integers, and the ring object is touched only to create them.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    // @unchecked: after init every field is immutable or atomic; the storage is shared through the
    // acquire/release protocol of the two indices (see `Producer` and `Consumer`).

    /// How many elements the ring holds; a power of two. All of them are usable (no slot wasted).
    public let capacity: Int

    @usableFromInline let storage: UnsafeMutablePointer<Element>
    /// 512 bytes, 128-byte aligned: the write index in word 0, the read index in word 32.
    @usableFromInline let indices: UnsafeMutablePointer<Atomic<UInt64>>
    /// Bit 0: a producer was made; bit 1: a consumer was made.
    private let handed = Atomic<UInt8>(0)

    @usableFromInline static var writeSlot: Int { 0 }
    @usableFromInline static var readSlot: Int { 32 }
    private static var indexWords: Int { 64 }

    /// Creates an empty ring.
    ///
    /// - Parameters:
    ///   - capacity: Elements, a power of two.
    ///   - start: The initial value of both free-running indices. Tests use it to cross 2^32 and
    ///     2^64; production code leaves it at 0.
    public init(capacity: Int, startingAt start: UInt64 = 0) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "the ring capacity must be a power of two")
        self.capacity = capacity
        // Zero-filled once, so every slot is initialized and bulk copies can use `update`.
        let bytes = capacity * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 128)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        storage = raw.bindMemory(to: Element.self, capacity: capacity)
        indices = UnsafeMutableRawPointer.allocate(byteCount: Self.indexWords * 8, alignment: 128)
            .bindMemory(to: Atomic<UInt64>.self, capacity: Self.indexWords)
        for slot in 0..<Self.indexWords {
            (indices + slot).initialize(to: Atomic(start))
        }
    }

    deinit {
        indices.deinitialize(count: Self.indexWords)
        UnsafeMutableRawPointer(indices).deallocate()
        UnsafeMutableRawPointer(storage).deallocate()
    }

    /// The producer's handle. Call once, on the producer thread.
    public func makeProducer() -> Producer {
        // Relaxed: the flag only guards against a second handle; it orders no other memory.
        let old = handed.bitwiseOr(1, ordering: .relaxed).oldValue
        precondition(old & 1 == 0, "an SPSCRing has exactly one producer: makeProducer() was already called")
        return Producer(ring: self)
    }

    /// The consumer's handle. Call once, on the consumer thread.
    public func makeConsumer() -> Consumer {
        // Relaxed: as in `makeProducer`.
        let old = handed.bitwiseOr(2, ordering: .relaxed).oldValue
        precondition(old & 2 == 0, "an SPSCRing has exactly one consumer: makeConsumer() was already called")
        return Consumer(ring: self)
    }

    /// Elements waiting, as seen from a third thread (monitoring only; may be stale at once).
    public var count: Int {
        // Acquiring both: a monitor has no cache; read index first so the difference never goes negative
        // (the write index only grows and is always ahead of a read index loaded before it).
        let read = indices[Self.readSlot].load(ordering: .acquiring)
        let written = indices[Self.writeSlot].load(ordering: .acquiring)
        return Int(truncatingIfNeeded: written &- read)
    }

    /// The producer's handle: pushes and writes elements. Not copyable, so there is only one.
    public struct Producer: ~Copyable, @unchecked Sendable {
        // @unchecked: the raw pointers are used only under the ring's single-producer protocol.
        /// Keeps the storage alive: retained in `init`, released in `deinit`, never touched on the hot
        /// path. Unmanaged rather than a strong reference so the handle's fields are plain words the
        /// compiler keeps in registers in a caller's loop, with no per-push write-back of the index
        /// to the handle's memory (seen with `objdump` when the handle held a strong reference).
        @usableFromInline let ring: Unmanaged<SPSCRing>
        @usableFromInline let storage: UnsafeMutablePointer<Element>
        @usableFromInline let published: UnsafeMutablePointer<Atomic<UInt64>>
        @usableFromInline let observed: UnsafeMutablePointer<Atomic<UInt64>>
        @usableFromInline let capacity: UInt64
        @usableFromInline let mask: UInt64
        /// Elements written so far: the source of truth for the write index (the shared copy follows it).
        @usableFromInline var position: UInt64
        /// The consumer's read index as last observed; it only grows, so a stale copy only underestimates room.
        @usableFromInline var cachedReadIndex: UInt64

        init(ring: SPSCRing) {
            self.ring = Unmanaged.passRetained(ring)
            storage = ring.storage
            published = ring.indices + SPSCRing.writeSlot
            observed = ring.indices + SPSCRing.readSlot
            capacity = UInt64(ring.capacity)
            mask = UInt64(ring.capacity - 1)
            // Relaxed: no other thread has stored these words since init, which happened before this
            // handle reached its thread.
            position = published.pointee.load(ordering: .relaxed)
            cachedReadIndex = observed.pointee.load(ordering: .relaxed)
        }

        deinit {
            ring.release()
        }

        /// Elements written so far (the producer's free-running index), published or not.
        public var index: UInt64 { position }

        /// Re-reads the consumer's index; returns the free room.
        @inlinable @inline(__always)
        mutating func refresh() -> UInt64 {
            // Acquiring: the consumer stores its index with releasing after it finished copying the
            // slots it frees, so once we see the new index those reads are done and we may overwrite.
            cachedReadIndex = observed.pointee.load(ordering: .acquiring)
            return capacity &- (position &- cachedReadIndex)
        }

        /// Appends one element; false if the ring is full.
        @inlinable @inline(__always)
        public mutating func push(_ element: Element) -> Bool {
            if position &- cachedReadIndex == capacity, refresh() == 0 { return false }
            storage[Int(truncatingIfNeeded: position & mask)] = element
            position &+= 1
            // Releasing: publishes the element stored above to a consumer that loads with acquiring.
            published.pointee.store(position, ordering: .releasing)
            return true
        }

        /// Stores one element without making it visible yet; false if the ring is full. Batched
        /// publishing for a producer that makes samples one at a time but hands them on in groups
        /// (a capture period, a cache line of 32 Int16): the consumer sees staged elements only after
        /// `publish()` (or the next `push` or `write`, which publish everything before them), so they
        /// wait up to one group longer than with `push`, and the write index's cache line crosses to
        /// the consumer once per group instead of once per element. Call `publish()` at least when
        /// this returns false (the consumer cannot free room it cannot see) and when the group ends.
        @inlinable @inline(__always)
        public mutating func pushUnpublished(_ element: Element) -> Bool {
            if position &- cachedReadIndex == capacity, refresh() == 0 { return false }
            storage[Int(truncatingIfNeeded: position & mask)] = element
            position &+= 1
            return true
        }

        /// Makes every element stored so far visible to the consumer (see `pushUnpublished`).
        @inlinable @inline(__always)
        public mutating func publish() {
            // Releasing: publishes the elements stored by `pushUnpublished` before it.
            published.pointee.store(position, ordering: .releasing)
        }

        /// Appends as many elements of `source` as fit, in order; returns how many.
        @inlinable
        public mutating func write(_ source: UnsafeBufferPointer<Element>) -> Int {
            guard let base = source.baseAddress else { return 0 }
            var room = capacity &- (position &- cachedReadIndex)
            if room < UInt64(source.count) { room = refresh() }
            let count = Int(truncatingIfNeeded: min(room, UInt64(source.count)))
            guard count > 0 else { return 0 }
            let offset = Int(truncatingIfNeeded: position & mask)
            let first = min(count, Int(truncatingIfNeeded: capacity) - offset)
            (storage + offset).update(from: base, count: first)
            if first < count { storage.update(from: base + first, count: count - first) }
            position &+= UInt64(count)
            // Releasing: publishes the elements copied above.
            published.pointee.store(position, ordering: .releasing)
            return count
        }

        /// How many elements could be written now (refreshes the cached read index).
        @inlinable
        public mutating func writableCount() -> Int {
            Int(truncatingIfNeeded: refresh())
        }
    }

    /// The consumer's handle: pops and reads elements. Not copyable, so there is only one.
    public struct Consumer: ~Copyable, @unchecked Sendable {
        // @unchecked: the raw pointers are used only under the ring's single-consumer protocol.
        /// Keeps the storage alive: retained in `init`, released in `deinit`, never touched on the hot
        /// path. Unmanaged rather than a strong reference so the handle's fields are plain words the
        /// compiler keeps in registers in a caller's loop, with no per-push write-back of the index
        /// to the handle's memory (seen with `objdump` when the handle held a strong reference).
        @usableFromInline let ring: Unmanaged<SPSCRing>
        @usableFromInline let storage: UnsafeMutablePointer<Element>
        @usableFromInline let published: UnsafeMutablePointer<Atomic<UInt64>>
        @usableFromInline let observed: UnsafeMutablePointer<Atomic<UInt64>>
        @usableFromInline let capacity: UInt64
        @usableFromInline let mask: UInt64
        /// Elements read so far: the source of truth for the read index.
        @usableFromInline var position: UInt64
        /// The producer's write index as last observed; a stale copy only underestimates what is ready.
        @usableFromInline var cachedWriteIndex: UInt64

        init(ring: SPSCRing) {
            self.ring = Unmanaged.passRetained(ring)
            storage = ring.storage
            published = ring.indices + SPSCRing.readSlot
            observed = ring.indices + SPSCRing.writeSlot
            capacity = UInt64(ring.capacity)
            mask = UInt64(ring.capacity - 1)
            // Relaxed for our own index (only we store it); acquiring for the producer's, which may
            // already be publishing elements.
            position = published.pointee.load(ordering: .relaxed)
            cachedWriteIndex = observed.pointee.load(ordering: .acquiring)
        }

        deinit {
            ring.release()
        }

        /// Elements read so far (the consumer's free-running index).
        public var index: UInt64 { position }

        /// Re-reads the producer's index; returns how many elements are ready.
        @inlinable @inline(__always)
        mutating func refresh() -> UInt64 {
            // Acquiring: pairs with the producer's releasing store, so the elements below the index
            // we see are visible to the copies that follow.
            cachedWriteIndex = observed.pointee.load(ordering: .acquiring)
            return cachedWriteIndex &- position
        }

        /// Removes the oldest element; nil if the ring is empty.
        @inlinable @inline(__always)
        public mutating func pop() -> Element? {
            if cachedWriteIndex == position, refresh() == 0 { return nil }
            let element = storage[Int(truncatingIfNeeded: position & mask)]
            position &+= 1
            // Releasing: the load above must complete before the producer may reuse the slot.
            published.pointee.store(position, ordering: .releasing)
            return element
        }

        /// Copies up to `buffer.count` of the oldest elements to the start of `buffer`; returns how many.
        @inlinable
        public mutating func read(into buffer: UnsafeMutableBufferPointer<Element>) -> Int {
            guard let base = buffer.baseAddress else { return 0 }
            var ready = cachedWriteIndex &- position
            if ready < UInt64(buffer.count) { ready = refresh() }
            let count = Int(truncatingIfNeeded: min(ready, UInt64(buffer.count)))
            guard count > 0 else { return 0 }
            let offset = Int(truncatingIfNeeded: position & mask)
            let first = min(count, Int(truncatingIfNeeded: capacity) - offset)
            base.update(from: storage + offset, count: first)
            if first < count { (base + first).update(from: storage, count: count - first) }
            position &+= UInt64(count)
            // Releasing: the copies above must complete before the producer may reuse these slots.
            published.pointee.store(position, ordering: .releasing)
            return count
        }

        /// How many elements are ready now (refreshes the cached write index).
        @inlinable
        public mutating func readableCount() -> Int {
            Int(truncatingIfNeeded: refresh())
        }
    }
}
