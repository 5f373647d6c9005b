import Dispatch
import Synchronization
import VHRCore
import VHRSystem

/// The thread a cuff driver runs its link on, and the flag that tells it to stop: the part of a
/// driver's life that is the same for every family whose protocol loop owns the wire.
final class DriverThread: Sendable {
    private let name: String
    private let state = Mutex<(thread: DedicatedThread?, stopping: Bool)>((nil, false))

    /// - Parameter name: the thread's name (`phd-cuff`), as `top -H` shows it.
    init(name: String) {
        self.name = name
    }

    /// Whether `stop()` was called: the loop checks it between link calls and returns.
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Runs `body` on a new thread.
    ///
    /// - Throws: `.busy` when it already runs, `.internalError` when no thread can be created.
    func start(device: String, _ body: @escaping @Sendable () -> Void) throws(DeviceError) {
        let result: Result<Void, DeviceError> = state.withLock { state in
            guard state.thread == nil else {
                return .failure(DeviceError(.busy, "The cuff '\(device)' is already started", hint: "stop it first"))
            }
            state.stopping = false
            do {
                state.thread = try DedicatedThread(name: name, body)
                return .success(())
            } catch {
                return .failure(
                    DeviceError(
                        .internalError, "no thread for the cuff '\(device)': \(error)",
                        hint: "the system is out of threads or memory; restart vhrd"))
            }
        }
        try result.get()
    }

    /// Sets the stop flag and waits for the thread to end, off the cooperative pool (a driver may
    /// take a link timeout to notice).
    func stop() async {
        let thread: DedicatedThread? = state.withLock { state in
            state.stopping = true
            defer { state.thread = nil }
            return state.thread
        }
        guard let thread else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                thread.join()
                continuation.resume()
            }
        }
    }
}
