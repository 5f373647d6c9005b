import Testing
import VHRCore

@Suite struct SeededRandomTests {
    @Test func matchesTheSplitMix64ReferenceSequence() {
        // The first outputs of the reference splitmix64.c for seed 0.
        var random = SeededRandom(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func aSeedFixesTheSequence() {
        var first = SeededRandom(seed: 1234)
        var second = SeededRandom(seed: 1234)
        var other = SeededRandom(seed: 1235)
        let a = (0..<100).map { _ in first.next() }
        #expect(a == (0..<100).map { _ in second.next() })
        #expect(a != (0..<100).map { _ in other.next() })
    }
}
