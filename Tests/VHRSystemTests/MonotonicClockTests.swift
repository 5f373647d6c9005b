import Glibc
import Synchronization
import Testing
import VHRSystem

/// Counts SIGUSR2 deliveries; an atomic add is async-signal-safe.
private let interruptions = Atomic<Int>(0)

@Suite struct MonotonicClockTests {
    @Test func nowNeverGoesBackwards() {
        var previous = MonotonicClock.now()
        #expect(previous > 0)
        for _ in 0..<10_000 {
            let now = MonotonicClock.now()
            #expect(now >= previous)
            previous = now
        }
    }

    @Test func sleepsUntilTheDeadline() {
        let start = MonotonicClock.now()
        let deadline = start + 30_000_000
        MonotonicClock.sleep(until: deadline)
        let woke = MonotonicClock.now()
        #expect(woke >= deadline)
        #expect(woke - deadline < 200_000_000, "woke \((woke - deadline) / 1_000_000) ms late")
    }

    @Test func pastDeadlinesReturnAtOnce() {
        let start = MonotonicClock.now()
        MonotonicClock.sleep(until: start - 1_000_000_000)
        MonotonicClock.sleep(until: -5)
        #expect(MonotonicClock.now() - start < 50_000_000)
    }

    /// What the signal test's threads share.
    private final class Target: Sendable {
        let thread = Atomic<UInt>(0)
        let woke = Atomic<Int64>(0)
    }

    @Test func signalsDoNotCutTheSleepShort() throws {
        // A handler (rather than the default action) makes SIGUSR2 interrupt the sleep with EINTR.
        signal(SIGUSR2) { _ in interruptions.add(1, ordering: .relaxed) }
        let target = Target()
        let before = interruptions.load(ordering: .relaxed)
        let deadline = MonotonicClock.now() + 150_000_000
        let sleeper = try DedicatedThread(name: "sleeper") {
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGUSR2)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            target.thread.store(UInt(pthread_self()), ordering: .releasing)
            MonotonicClock.sleep(until: deadline)
            target.woke.store(MonotonicClock.now(), ordering: .relaxed)
        }
        while target.thread.load(ordering: .acquiring) == 0 { sched_yield() }
        for _ in 0..<5 {
            MonotonicClock.sleep(until: MonotonicClock.now() + 10_000_000)
            pthread_kill(pthread_t(target.thread.load(ordering: .acquiring)), SIGUSR2)
        }
        sleeper.join()
        #expect(target.woke.load(ordering: .relaxed) >= deadline)
        #expect(interruptions.load(ordering: .relaxed) > before, "the sleep was interrupted")
    }
}
