import Synchronization

/// Whether a visit is in progress, readable from any thread without an actor hop.
///
/// The room (an actor) is the only writer; the stream server reads it on its own queue when
/// a client connects, to decide who may listen.
public final class VisitGate: Sendable {
    private let active = Atomic<Bool>(false)

    public init() {}

    public var isVisitActive: Bool {
        // Acquiring pairs with the room's releasing store, so a listener admitted after a
        // visit ended also sees the stream server's reset that the room did before.
        active.load(ordering: .acquiring)
    }

    func set(_ value: Bool) {
        active.store(value, ordering: .releasing)
    }
}
