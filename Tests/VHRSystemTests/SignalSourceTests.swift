import Glibc
import Testing
import VHRSystem

@Suite struct SignalSourceTests {
    @Test(.timeLimit(.minutes(1))) func signalSentToTheProcessIsObserved() async throws {
        let stream = await SignalSource.stream(for: [SIGUSR1, SIGUSR2])
        // Process-directed, like systemd's SIGTERM. (`raise` from a task is thread-directed, and
        // the Dispatch threads that run tasks block signals; see SignalSource.)
        #expect(kill(getpid(), SIGUSR2) == 0)
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == SIGUSR2)
        #expect(kill(getpid(), SIGUSR1) == 0)
        #expect(await iterator.next() == SIGUSR1)
    }

    @Test func signalNames() {
        #expect(SignalSource.name(of: SIGTERM) == "SIGTERM")
        #expect(SignalSource.name(of: SIGINT) == "SIGINT")
        #expect(SignalSource.name(of: 99) == "signal 99")
        #expect(SignalSource.shutdownSignals == [SIGTERM, SIGINT])
    }
}
