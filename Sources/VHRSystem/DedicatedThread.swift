import Glibc
import Synchronization

/// An OS thread of its own, for work that must not share a cooperative pool: audio capture,
/// device polling. Start it with a closure; `join()` waits for the closure to return.
///
/// The thread is named (visible in `top -H`, `ps -L` and core dumps). If the object is released
/// without `join()`, the thread is detached and runs to completion on its own.
public final class DedicatedThread: Sendable {
    /// The thread's name as the kernel shows it: at most 15 bytes, longer names are cut.
    public let name: String

    private enum State {
        case running(pthread_t)
        case joined
    }

    // Joining happens under the lock, so a second `join()` waits for the first to finish.
    private let state: Mutex<State>

    /// Starts a thread running `body`.
    ///
    /// - Parameters:
    ///   - name: The thread's name; cut to 15 bytes (the kernel's limit).
    ///   - body: The work. The thread ends when it returns.
    /// - Throws: `Errno` from `pthread_create`, usually `EAGAIN` when the process is out of
    ///   threads or memory.
    ///
    /// The corresponding C function is `pthread_create`.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(Errno) {
        // Cut whole characters, so a multi-byte character is never split.
        var shortName = ""
        for character in name {
            guard shortName.utf8.count + character.utf8.count <= 15 else { break }
            shortName.append(character)
        }
        self.name = shortName

        let context = Unmanaged.passRetained(Context(name: shortName, body: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { argument in
                let context = Unmanaged<Context>.fromOpaque(argument!).takeRetainedValue()
                setCurrentThreadName(context.name)
                context.body()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<Context>.fromOpaque(context).release()
            throw Errno(rawValue: result)
        }
        state = Mutex(.running(thread))
    }

    deinit {
        state.withLock { state in
            if case .running(let thread) = state {
                pthread_detach(thread)
            }
        }
    }

    /// Waits until the thread's closure has returned. Later calls return at once.
    ///
    /// Must not be called from the thread itself.
    ///
    /// The corresponding C function is `pthread_join`.
    public func join() {
        state.withLock { state in
            guard case .running(let thread) = state else { return }
            precondition(pthread_equal(thread, pthread_self()) == 0, "a DedicatedThread cannot join itself")
            let result = pthread_join(thread, nil)
            precondition(result == 0, "pthread_join failed: \(Errno(rawValue: result))")
            state = .joined
        }
    }
}

/// What the new thread needs, passed through `pthread_create`'s single pointer.
private final class Context: Sendable {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// Names the calling thread by writing `/proc/thread-self/comm`, what `pthread_setname_np` does;
/// glibc declares that function only under `_GNU_SOURCE`, so Swift's Glibc module lacks it.
/// A failure only leaves the default name, so it is ignored.
private func setCurrentThreadName(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    var bytes = Array(name.utf8)
    _ = write(descriptor, &bytes, bytes.count)
}
