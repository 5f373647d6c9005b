import VHRSystem

/// Runs blocking calls (device links, ptys) on a thread of their own, as drivers do, rather than on
/// one of the cooperative pool's few threads, which a blocking test would starve.
public func onDedicatedThread<T: Sendable>(
    _ name: String, _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        do {
            _ = try DedicatedThread(name: name) {
                continuation.resume(with: Result { try body() })
            }
        } catch {
            continuation.resume(throwing: error)
        }
    }
}
