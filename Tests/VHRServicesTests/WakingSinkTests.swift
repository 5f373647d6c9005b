import Dispatch
import Synchronization
import Testing
import VHRCore

@testable import VHRServices

@Suite struct WakingSinkTests {
    @Test func aWakeFollowsTheBlockItAnnounces() async throws {
        let ring = SampleRing(format: AudioFormat(sampleRate: 4000), capacity: 1024)
        let queue = DispatchQueue(label: "test.waking-sink")
        let wakeup = CaptureWakeup(queue: queue)
        let seen = Mutex<[UInt64]>([])
        // The handler reads the ring's edge: the samples must already be there when it runs.
        wakeup.setHandler { seen.withLock { $0.append(ring.writeIndex) } }
        queue.sync {}  // Dispatch installs a new handler on the source's queue
        wakeup.isArmed = true
        let sink = WakingSink(ring: ring, wakeups: [wakeup])
        let block = [Int16](repeating: 7, count: 40)
        block.withUnsafeBufferPointer { sink.write($0, captureTime: 0) }
        let deadline = ContinuousClock.now + .seconds(30)
        while seen.withLock({ $0.isEmpty }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(seen.withLock { $0 } == [40])
        #expect(ring.writeIndex == 40)
        wakeup.cancel()
    }
}
