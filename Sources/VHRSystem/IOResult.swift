/// The outcome of an operation on a non-blocking descriptor: either it did something, or the
/// kernel said it would have to wait (`EAGAIN`/`EWOULDBLOCK`).
///
/// "Would block" is not an error: the caller waits for readiness (epoll) and tries again.
public enum IOResult<Value: Sendable>: Sendable {
    /// The operation completed with this value (a byte count, a descriptor, …).
    case value(Value)
    /// The operation would have blocked; nothing was transferred.
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}
