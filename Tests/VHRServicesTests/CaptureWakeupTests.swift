import Dispatch
import Synchronization
import Testing

@testable import VHRServices

@Suite struct CaptureWakeupTests {
    @Test func wakesCoalesceIntoHandlerRunsOnTheQueue() async throws {
        let queue = DispatchQueue(label: "test.wakeup")
        let wakeup = CaptureWakeup(queue: queue)
        let runs = Atomic<Int>(0)
        wakeup.setHandler {
            dispatchPrecondition(condition: .onQueue(queue))
            runs.add(1, ordering: .relaxed)
        }
        queue.sync {}  // Dispatch installs a new handler on the source's queue
        // Hold the queue so the wakes below pile up, then let it go.
        let gate = DispatchSemaphore(value: 0)
        queue.async { gate.wait() }
        wakeup.isArmed = true
        for _ in 0..<100 { wakeup.wake() }
        gate.signal()
        let deadline = ContinuousClock.now + .seconds(30)
        while runs.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        queue.sync {}
        // All 100 wakes arrived while the queue was busy: one run serves them all.
        #expect(runs.load(ordering: .relaxed) == 1)
        wakeup.cancel()
        #expect(!wakeup.isArmed)
    }

    @Test func aDisarmedWakeupDoesNotReachTheQueue() async throws {
        let queue = DispatchQueue(label: "test.wakeup.disarmed")
        let wakeup = CaptureWakeup(queue: queue)
        let runs = Atomic<Int>(0)
        wakeup.setHandler { runs.add(1, ordering: .relaxed) }
        queue.sync {}  // Dispatch installs a new handler on the source's queue
        for _ in 0..<10 { wakeup.wake() }  // disarmed: nothing is merged into the source
        wakeup.isArmed = true
        wakeup.wake()
        let deadline = ContinuousClock.now + .seconds(30)
        while runs.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        queue.sync {}
        #expect(runs.load(ordering: .relaxed) == 1)
        wakeup.cancel()
    }
}
