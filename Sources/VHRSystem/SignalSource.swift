import Dispatch
import Glibc

/// Unix signals as an `AsyncStream`, the way swift-service-lifecycle's `UnixSignalsSequence`
/// does it: each signal's default action is replaced by "ignore", and a Dispatch signal source
/// reports it instead, so the daemon's services see SIGTERM as an ordinary value and can shut
/// down gracefully.
///
/// How libdispatch does this on Linux matters for callers and tests: once a source is
/// registered, libdispatch installs its own handler and reads the signal through a `signalfd`
/// on its manager thread. Dispatch worker threads (which also run Swift concurrency's tasks)
/// block every signal, so a *thread*-directed signal raised from a task (`raise`) stays pending
/// on that thread and is never seen. Process-directed signals (`kill(pid, …)`, which is what
/// systemd and Ctrl-C send) are delivered normally.
///
/// The signals stay handled after the stream ends: restoring the default action could let a
/// late SIGTERM kill the process halfway through its own orderly shutdown.
public enum SignalSource {
    /// The signals that ask vhrd to stop: SIGTERM (systemd) and SIGINT (Ctrl-C).
    public static let shutdownSignals: [Int32] = [SIGTERM, SIGINT]

    /// Starts watching `signals` and returns them, in arrival order, as a stream.
    ///
    /// Returns once every source is registered with the kernel, so a signal sent after the
    /// `await` is never missed. Signals that arrive faster than Dispatch reports them are
    /// coalesced into one element. Ending the consuming task (or dropping the stream) stops the
    /// watch.
    ///
    /// - Parameter signals: Signal numbers, e.g. `SignalSource.shutdownSignals`.
    /// - Returns: A stream of signal numbers.
    ///
    /// The corresponding C function is `signal` (with `SIG_IGN`); the sources are
    /// `DispatchSource.makeSignalSource`.
    public static func stream(for signals: [Int32]) async -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .unbounded)
        let queue = DispatchQueue(label: "vhr.signals")
        var created: [any DispatchSourceSignal] = []
        for number in Set(signals).sorted() {
            // Until the source is registered, a signal must not run its default action.
            ignore([number])
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            // Registration is asynchronous; wait for it so no early signal is lost.
            await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
                source.setRegistrationHandler { registered.resume() }
                source.resume()
            }
            created.append(source)
        }
        // Safe because the array is never mutated after this point and `cancel()` is
        // thread-safe; the sources just are not annotated Sendable.
        nonisolated(unsafe) let sources = created
        continuation.onTermination = { _ in
            for source in sources { source.cancel() }
        }
        return stream
    }

    /// Ignores `signals` for the whole process, e.g. `[SIGPIPE]` at daemon start-up so that a
    /// write to a closed pipe fails with `EPIPE` instead of killing vhrd.
    ///
    /// The corresponding C function is `signal`.
    public static func ignore(_ signals: [Int32]) {
        for number in signals {
            _ = signal(number, SIG_IGN)
        }
    }

    /// A signal's conventional name, e.g. "SIGTERM", for log lines.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        case SIGKILL: "SIGKILL"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        case SIGPIPE: "SIGPIPE"
        case SIGALRM: "SIGALRM"
        case SIGTERM: "SIGTERM"
        case SIGCHLD: "SIGCHLD"
        default: "signal \(signal)"
        }
    }
}
