import Glibc

// The one choke point between vhr and the C library's system calls.
//
// Why it exists: `errno` is thread-local state that any later call may overwrite, including
// the runtime's own allocations and ARC traffic. So the value is read on the very next line
// after the C call returns, inside this file, and turned into a typed `Errno` before anything
// else runs. Everything else follows NIO's `System.swift`:
// - `EINTR` is retried (a signal arriving mid-call is not a failure);
// - `EAGAIN`/`EWOULDBLOCK` becomes `IOResult.wouldBlock`, but only where the caller asked;
// - `EBADF` and `EFAULT` can only mean a bug in vhr (a closed or foreign descriptor, a bad
//   pointer), so they stop the process instead of being thrown. systemd restarts the daemon.

/// Runs C library calls that report failure through `errno`, with one policy for all of them.
public enum SystemCall {
    /// Calls `body`, a C function that returns -1 and sets `errno` on failure, retrying on
    /// `EINTR`.
    ///
    /// - Parameters:
    ///   - function: The C function's name, for the crash message when the error is a bug.
    ///   - retryOnInterrupt: Retry when the call fails with `EINTR`. Pass `false` only for calls
    ///     that must not be repeated, like `close`.
    ///   - body: The call. It must do nothing but call the C function.
    /// - Returns: The call's non-negative result.
    /// - Throws: The `Errno` the call failed with. `EAGAIN` is thrown as `Errno.wouldBlock`.
    @inline(__always)
    public static func run<Result: FixedWidthInteger & Sendable>(
        _ function: StaticString, retryOnInterrupt: Bool = true, _ body: () -> Result
    ) throws(Errno) -> Result {
        switch try runCore(function, retryOnInterrupt: retryOnInterrupt, mapWouldBlock: false, body) {
        case .value(let value): return value
        case .wouldBlock: preconditionFailure("\(function): would-block was not requested")
        }
    }

    /// Calls `body` on a non-blocking descriptor, retrying on `EINTR` and reporting
    /// `EAGAIN`/`EWOULDBLOCK` as `.wouldBlock` instead of throwing.
    ///
    /// - Parameters:
    ///   - function: The C function's name, for the crash message when the error is a bug.
    ///   - body: The call. It must do nothing but call the C function.
    /// - Returns: `.value` with the call's result, or `.wouldBlock`.
    /// - Throws: Any other `Errno` the call failed with.
    @inline(__always)
    public static func runNonBlocking<Result: FixedWidthInteger & Sendable>(
        _ function: StaticString, _ body: () -> Result
    ) throws(Errno) -> IOResult<Result> {
        try runCore(function, retryOnInterrupt: true, mapWouldBlock: true, body)
    }

    /// Calls `body`, a C function that returns 0 on success and an error number on failure
    /// (the `getpwnam_r` and `pthread_*` convention), retrying on `EINTR`.
    ///
    /// - Throws: The returned error number as an `Errno`.
    @inline(__always)
    public static func runReturningError(_ function: StaticString, _ body: () -> CInt) throws(Errno) {
        while true {
            let code = body()
            if code == 0 { return }
            let error = Errno(rawValue: code)
            if error == .interrupted { continue }
            preconditionAcceptable(error, function)
            throw error
        }
    }

    /// Calls `body`, a C function that returns `NULL` and sets `errno` on failure (`opendir`,
    /// `fdopen`), retrying on `EINTR`.
    ///
    /// - Throws: The `Errno` the call failed with.
    @inline(__always)
    public static func runReturningPointer<Pointer>(_ function: StaticString, _ body: () -> Pointer?) throws(Errno)
        -> Pointer
    {
        while true {
            if let pointer = body() { return pointer }
            let error = Errno.current
            if error == .interrupted { continue }
            preconditionAcceptable(error, function)
            throw error
        }
    }

    @inline(__always)
    private static func runCore<Result: FixedWidthInteger & Sendable>(
        _ function: StaticString, retryOnInterrupt: Bool, mapWouldBlock: Bool, _ body: () -> Result
    ) throws(Errno) -> IOResult<Result> {
        while true {
            let result = body()
            guard result == -1 else { return .value(result) }
            // Read errno before anything else can run on this thread.
            let error = Errno.current
            if error == .interrupted && retryOnInterrupt { continue }
            // EWOULDBLOCK == EAGAIN on Linux.
            if error == .wouldBlock && mapWouldBlock { return .wouldBlock }
            preconditionAcceptable(error, function)
            throw error
        }
    }

    /// Stops the process on errors that can only come from a bug in vhr.
    @inline(__always)
    static func preconditionAcceptable(_ error: Errno, _ function: StaticString) {
        precondition(
            error != .badFileDescriptor && error != .badAddress,
            "\(function) failed with \(error): vhr passed a bad descriptor or pointer (a bug)")
    }
}
