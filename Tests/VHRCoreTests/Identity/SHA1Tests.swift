import Testing
import VHRCore

@Suite struct SHA1Tests {
    /// The FIPS 180-4 / NIST CAVS example messages and their digests.
    static let vectors: [(message: [UInt8], digest: String)] = [
        (Array("abc".utf8), "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ([], "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (
            Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        ),
        (
            Array(
                ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8),
            "a49b2446a02c645bf419f995b67091253a04a259"
        ),
    ]

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func digest(fedAs chunks: [ArraySlice<UInt8>]) -> String {
        var hash = SHA1()
        for chunk in chunks { hash.update(chunk) }
        return hex(hash.finalize())
    }

    @Test func fipsVectorsFedWholeByteByByteAndInRandomSplits() {
        for (message, digest) in Self.vectors {
            #expect(Self.hex(SHA1.hash(message)) == digest)
            for feed in ChunkedFeeds.all(message) {
                #expect(Self.digest(fedAs: feed) == digest, "\(feed.map(\.count))")
            }
        }
    }

    @Test func oneMillionAFedWholeByteByByteAndInRandomSplits() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let digest = "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        #expect(Self.hex(SHA1.hash(message)) == digest)

        var byteByByte = SHA1()
        for index in message.indices { byteByByte.update(message[index...index]) }
        #expect(Self.hex(byteByByte.finalize()) == digest)

        var generator = SplitMix64(seed: 0x5AA1)
        for _ in 0..<5 {
            var hash = SHA1()
            var start = 0
            while start < message.count {
                let length = min(message.count - start, Int.random(in: 1...5000, using: &generator))
                hash.update(message[start..<start + length])
                start += length
            }
            #expect(Self.hex(hash.finalize()) == digest)
        }
    }

    /// Lengths around the padding's edges: 55 bytes still fit the length in the last block, 56 do
    /// not; 64 is exactly one block. Digests from Python's `hashlib.sha1` over bytes `i % 251`.
    @Test(arguments: [
        (55, "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2"),
        (56, "636e2ec698dac903498e648bd2f3af641d3c88cb"),
        (63, "6d942da0c4392b123528f2905c713a3ce28364bd"),
        (64, "c6138d514ffa2135bfce0ed0b8fac65669917ec7"),
        (65, "69bd728ad6e13cd76ff19751fde427b00e395746"),
        (119, "41c89d06001bab4ab78736b44efe7ce18ce6ae08"),
        (120, "d3dbd653bd8597b7475321b60a36891278e6a04a"),
        (128, "e6434bc401f98603d7eda504790c98c67385d535"),
        (1000, "c9c960a0b925474fab83942cc27d504fc24ac37b"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        let message = (0..<length).map { UInt8($0 % 251) }
        for feed in ChunkedFeeds.all(message, randomCount: 10) {
            #expect(Self.digest(fedAs: feed) == digest, "\(feed.map(\.count))")
        }
    }

    @Test func aSequenceWithoutContiguousStorageHashesTheSame() {
        // A lazy map has no contiguous storage, so this takes the byte-at-a-time path.
        let message = (0..<200).lazy.map { UInt8($0 % 251) }
        #expect(SHA1.hash(message) == SHA1.hash(Array(message)))
        #expect(Self.hex(SHA1.hash("abc".utf8.lazy.map { $0 })) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func finalizeLeavesTheHashOpenForMoreBytes() {
        var hash = SHA1()
        hash.update(Array("ab".utf8))
        let prefix = hash.finalize()
        hash.update(Array("c".utf8))
        #expect(Self.hex(prefix) == "da23614e02469a0d7c7bd1bdab5c9c474b1904dc")
        #expect(Self.hex(hash.finalize()) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hash.finalize().count == SHA1.digestByteCount)
    }
}
