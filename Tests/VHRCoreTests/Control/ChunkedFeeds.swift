/// The ways a decoder test feeds bytes: all at once, byte by byte, and split at random points.
///
/// The random splits use a fixed-seed generator so a failure reproduces.
enum ChunkedFeeds {
    /// Every chunking to try for `bytes`: whole, byte by byte, then `randomCount` random splits.
    static func all(_ bytes: [UInt8], randomCount: Int = 25, seed: UInt64 = 0x5EED) -> [[ArraySlice<UInt8>]] {
        var feeds: [[ArraySlice<UInt8>]] = [[bytes[...]], bytes.indices.map { bytes[$0...$0] }]
        var generator = SplitMix64(seed: seed)
        for _ in 0..<randomCount {
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let length = Int.random(in: 1...max(1, min(bytes.count - start, 97)), using: &generator)
                chunks.append(bytes[start..<start + length])
                start += length
            }
            feeds.append(chunks)
        }
        return feeds
    }
}

/// A small seeded generator (SplitMix64), so random splits are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
