import Synchronization
import VHRCore

/// Fans control events out to the connections that subscribed to them.
///
/// Events are classed so that a role only sees what it may: readings (patient data) go to
/// the kiosk and the clinician, room events (devices, visits starting and ending) to anyone
/// subscribed. `publish` never blocks: each subscriber's `deliver` only queues the line.
public final class EventHub: Sendable {
    public enum EventClass: String, Sendable, CaseIterable {
        /// Live cuff pressure, results, failures, signal quality: patient data.
        case readings
        /// Devices coming and going, visits starting and ending (ids only).
        case room
    }

    public struct Subscription: Sendable {
        public var classes: Set<EventClass>
        public var deliver: @Sendable (String) -> Void

        public init(classes: Set<EventClass>, deliver: @escaping @Sendable (String) -> Void) {
            self.classes = classes
            self.deliver = deliver
        }
    }

    private let subscribers = Mutex<[Int: Subscription]>([:])
    private let nextToken = Atomic<Int>(1)

    public init() {}

    /// Adds a subscriber; returns the token that removes it.
    public func subscribe(_ subscription: Subscription) -> Int {
        // Relaxed: the token only has to be unique, it orders nothing.
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[token] = subscription }
        return token
    }

    public func unsubscribe(_ token: Int) {
        _ = subscribers.withLock { $0.removeValue(forKey: token) }
    }

    public func publish(_ event: ControlEvent, class eventClass: EventClass) {
        let line = event.jsonLine()
        let targets = subscribers.withLock { subscribers in
            subscribers.values.filter { $0.classes.contains(eventClass) }.map(\.deliver)
        }
        // Delivered outside the lock: a subscriber's queue may take its own lock.
        for deliver in targets { deliver(line) }
    }
}
