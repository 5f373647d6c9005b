/// Where a stored measurement is on its way to the care provider's record.
///
/// Stored as its raw value in the `deliveries` table, so the names are part of the file format.
public enum DeliveryState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for the uploader: never sent, or sent and not yet acknowledged.
    case pending
    /// The server acknowledged it; nothing more to do.
    case delivered
    /// Taken out of the queue until an operator acts (`vhrctl queue retry` or export): the
    /// server refused it for good, or the stored row is damaged. Never dropped.
    case held
}
