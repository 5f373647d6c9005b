import CAllocationCounter
import Testing
import VHRCore

/// The capture thread's DSP runs in real time: neither stage may allocate per block.
@Suite struct DSPAllocationTests {
    @Test func decimatorAndFilterDoNotAllocateWhileProcessing() throws {
        try #require(vhr_allocation_counting_available() == 1, "counting is off only under a sanitizer")
        let decimator = FIRDecimator(factor: 6, inputRate: 48_000)
        let filter = StethoscopeFilter(sampleRate: 8000)
        let input = UnsafeMutableBufferPointer<Float>.allocate(capacity: 480)
        let output = UnsafeMutableBufferPointer<Float>.allocate(capacity: 80)
        defer {
            input.deallocate()
            output.deallocate()
        }
        for index in input.indices { input[index] = Float(index % 97) * 100 }
        let modes = StethoscopeFilter.Mode.allCases
        // One warm-up block: the runtime instantiates generic metadata (SIMD8<Float>) on first use.
        var count = decimator.process(input: UnsafeBufferPointer(input), output: output)
        filter.process(UnsafeMutableBufferPointer(rebasing: output[0..<count]), mode: .bell)
        vhr_allocation_reset()
        for _ in 0..<300 {
            count = decimator.process(input: UnsafeBufferPointer(input), output: output)
        }
        #expect(vhr_allocation_count() == 0)
        vhr_allocation_reset()
        for block in 0..<300 {
            filter.process(UnsafeMutableBufferPointer(rebasing: output[0..<count]), mode: modes[block / 50 % 3])
        }
        #expect(vhr_allocation_count() == 0)
        #expect(output.allSatisfy { $0.isFinite })
    }
}
