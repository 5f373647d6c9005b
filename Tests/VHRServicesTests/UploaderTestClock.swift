import Foundation
import Synchronization
import VHRServices

/// A virtual `UploaderClock` for tests: every sleep advances virtual time at once, so days of
/// backoff take no real time, and the run is a deterministic function of the seed.
///
/// - Scheduled actions (`schedule(at:_:)`) run when virtual time reaches them, inside the sleep
///   that reaches them, which then returns early (as `UploaderClock.sleep` allows): a test saves
///   measurements "on day 3" this way.
/// - The wall clock follows the monotonic one from `wallStart`, plus any `jumpWall(by:)`.
/// - A sleep that would pass `horizon` parks at the horizon until cancelled or until the
///   horizon moves, so an idle uploader stops advancing time; `waitUntilParked()` tells the
///   test the run so far is over.
public final class UploaderTestClock: UploaderClock {
    private struct Scheduled {
        var at: Duration
        var order: Int
        var action: @Sendable () -> Void
    }

    private struct State {
        var monotonic: Duration = .zero
        var wallOffset: TimeInterval = 0
        var scheduled: [Scheduled] = []
        var nextOrder = 0
        var parked: CheckedContinuation<Void, Never>?
        var isParked = false
        var parkWatchers: [CheckedContinuation<Void, Never>] = []
        var horizon: Duration?
    }

    private let wallStart: Date
    private let state = Mutex(State())

    /// - Parameters:
    ///   - wallStart: The wall clock at monotonic zero.
    ///   - horizon: The virtual time at which sleeps park; `nil` for never.
    public init(wallStart: Date, horizon: Duration? = nil) {
        self.wallStart = wallStart
        state.withLock { $0.horizon = horizon }
    }

    public func now() -> Date {
        state.withLock { state in
            let (seconds, attoseconds) = state.monotonic.components
            return wallStart.addingTimeInterval(Double(seconds) + Double(attoseconds) * 1e-18 + state.wallOffset)
        }
    }

    public func monotonicNow() -> Duration {
        state.withLock { $0.monotonic }
    }

    /// Steps the wall clock (only) by `seconds`, as NTP or an operator would.
    public func jumpWall(by seconds: TimeInterval) {
        state.withLock { $0.wallOffset += seconds }
    }

    /// Moves the horizon; a sleeper parked at the old one goes on (its sleep returns early).
    public func setHorizon(_ horizon: Duration?) {
        let parked = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.horizon = horizon
            // Not parked from now on, even before the sleeper runs again.
            state.isParked = false
            defer { state.parked = nil }
            return state.parked
        }
        parked?.resume()
    }

    /// Runs `action` when virtual time reaches `time` (in scheduling order for equal times).
    public func schedule(at time: Duration, _ action: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.scheduled.append(Scheduled(at: time, order: state.nextOrder, action: action))
            state.nextOrder += 1
        }
    }

    /// Returns once a sleeper is parked at the horizon.
    public func waitUntilParked() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let parked = state.withLock { state -> Bool in
                if state.isParked { return true }
                state.parkWatchers.append(continuation)
                return false
            }
            if parked { continuation.resume() }
        }
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        // Lets the test's own tasks run between the uploader's steps.
        await Task.yield()
        enum Next {
            case run([@Sendable () -> Void])
            case done
            case park
        }
        let next = state.withLock { state -> Next in
            let deadline = state.monotonic + max(duration, .zero)
            let horizon = state.horizon
            if let first = state.scheduled.filter({ $0.at <= deadline }).min(by: {
                ($0.at, $0.order) < ($1.at, $1.order)
            }),
                horizon.map({ first.at <= $0 }) ?? true
            {
                state.monotonic = max(state.monotonic, first.at)
                let now = state.monotonic
                let due = state.scheduled.filter { $0.at <= now }.sorted { $0.order < $1.order }
                state.scheduled.removeAll { $0.at <= now }
                return .run(due.map(\.action))
            }
            if let horizon, deadline > horizon {
                state.monotonic = max(state.monotonic, horizon)
                return .park
            }
            state.monotonic = deadline
            return .done
        }
        switch next {
        case .done:
            return
        case .run(let actions):
            for action in actions { action() }
        case .park:
            await parkUntilResumed()
            try Task.checkCancellation()
        }
    }

    /// Returns when cancelled or when the horizon moves.
    private func parkUntilResumed() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Parked (and the watchers told) only once the continuation is stored, so a
                // watcher's `setHorizon` always finds it.
                let watchers = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
                    if Task.isCancelled { return nil }
                    state.parked = continuation
                    state.isParked = true
                    defer { state.parkWatchers = [] }
                    return state.parkWatchers
                }
                guard let watchers else { return continuation.resume() }
                for watcher in watchers { watcher.resume() }
            }
        } onCancel: {
            let parked = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.parked = nil }
                return state.parked
            }
            parked?.resume()
        }
        state.withLock { $0.isParked = false }
    }
}
