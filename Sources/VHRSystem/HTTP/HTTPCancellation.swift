import Synchronization

/// A flag that stops an ``HTTPClient`` request in flight: set it from any thread and the blocked
/// `send` ends with ``HTTPError/cancelled`` within about a second (libcurl polls it while it waits).
public final class HTTPCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A flag that is not set.
    public init() {}

    /// Asks the request to stop. Later calls change nothing.
    public func cancel() {
        flag.store(true, ordering: .releasing)
    }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool {
        flag.load(ordering: .acquiring)
    }
}
