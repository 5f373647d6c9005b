import Foundation
import Synchronization
import Testing
import VHRSystem

@Suite struct DedicatedThreadTests {
    private final class Probe: Sendable {
        let ran = Atomic<Int>(0)
        let name = Mutex<String>("")
    }

    @Test func runsTheClosureAndJoins() throws {
        let probe = Probe()
        let thread = try DedicatedThread(name: "worker") {
            MonotonicClock.sleep(until: MonotonicClock.now() + 20_000_000)
            probe.ran.add(1, ordering: .relaxed)
        }
        thread.join()
        // join() orders everything the thread did before it returns.
        #expect(probe.ran.load(ordering: .relaxed) == 1)
        thread.join()
        #expect(probe.ran.load(ordering: .relaxed) == 1)
    }

    @Test func theKernelSeesTheName() throws {
        let probe = Probe()
        let thread = try DedicatedThread(name: "vhr-capture") {
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            probe.name.withLock { $0 = comm.trimmingCharacters(in: .newlines) }
        }
        thread.join()
        #expect(thread.name == "vhr-capture")
        #expect(probe.name.withLock { $0 } == "vhr-capture")
    }

    @Test func longNamesAreCutToWholeCharacters() throws {
        let thread = try DedicatedThread(name: "stethoscope-capture-thread") {}
        thread.join()
        #expect(thread.name == "stethoscope-cap")
        let accented = try DedicatedThread(name: "ééééééééé") {}
        accented.join()
        #expect(accented.name == "ééééééé")
    }

    @Test func concurrentJoinersBothWaitForTheEnd() throws {
        let probe = Probe()
        let thread = try DedicatedThread(name: "slow") {
            MonotonicClock.sleep(until: MonotonicClock.now() + 50_000_000)
            probe.ran.add(1, ordering: .relaxed)
        }
        let other = try DedicatedThread(name: "joiner") {
            thread.join()
            probe.ran.add(10, ordering: .relaxed)
        }
        thread.join()
        other.join()
        #expect(probe.ran.load(ordering: .relaxed) == 11)
    }
}
