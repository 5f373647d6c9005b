/// Drops readings a device has already delivered: cuffs resend their stored memory at every association.
///
/// A reading is the same when its device (system id), handle, time stamp and values match. Readings with
/// an unset or invalid clock cannot be told apart from a new identical measurement, so they are only
/// deduplicated within one association (a resend inside one session), not across sessions.
public struct ReadingDeduplicator: Sendable {
    private struct Key: Hashable {
        var systemID: [UInt8]
        var reading: PHDReading
    }

    /// How many dated readings are remembered; the oldest are forgotten first.
    public let capacity: Int
    private var seen: Set<Key> = []
    private var order: [Key] = []
    private var seenThisAssociation: Set<Key> = []

    public init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
    }

    /// Starts a new association: undated readings seen before may count as new again.
    public mutating func beginAssociation() {
        seenThisAssociation.removeAll()
    }

    /// The readings not delivered before, in order; remembers them.
    public mutating func admit(_ readings: [PHDReading], systemID: [UInt8]) -> [PHDReading] {
        var fresh: [PHDReading] = []
        for reading in readings {
            let key = Key(systemID: systemID, reading: reading)
            let dated = reading.time.map { $0.problem == nil } ?? false
            if dated {
                guard seen.insert(key).inserted else { continue }
                order.append(key)
                if order.count > capacity { seen.remove(order.removeFirst()) }
            } else {
                guard seenThisAssociation.insert(key).inserted else { continue }
            }
            fresh.append(reading)
        }
        return fresh
    }
}
