import Testing
import VHRCore

@Suite struct APDUFramerTests {
    /// A whole session's APDUs back to back.
    static let stream: [[UInt8]] = BPVectors.wellFormed.map(\.bytes)

    @Test func byteByByte() throws {
        var framer = APDUFramer()
        var frames: [[UInt8]] = []
        for byte in Self.stream.joined() { frames += try framer.append([byte]) }
        #expect(frames == Self.stream)
        #expect(framer.pending == 0)
    }

    @Test(arguments: [1, 2, 3, 42])
    func inRandomSplits(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let bytes = Array(Self.stream.joined())
        var framer = APDUFramer()
        var frames: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let size = min(bytes.count - index, Int(random.next() % 200))
            frames += try framer.append(bytes[index..<index + size])
            index += size
        }
        #expect(frames == Self.stream)
        // Every frame decodes: framing never cuts an APDU.
        for frame in frames { _ = try APDU.decode(frame) }
    }

    @Test func wholeStreamAtOnce() throws {
        var framer = APDUFramer()
        #expect(try framer.append(Array(Self.stream.joined())) == Self.stream)
    }

    @Test func holdsAPartialAPDUUntilReset() throws {
        var framer = APDUFramer()
        #expect(try framer.append([0xE6, 0x00, 0x00, 0x02, 0x00]).isEmpty)
        #expect(framer.pending == 5)
        framer.reset()
        #expect(try framer.append([0xE6, 0x00, 0x00, 0x02, 0x00, 0x01]) == [[0xE6, 0x00, 0x00, 0x02, 0x00, 0x01]])
    }

    @Test func refusesAnAPDUOverTheLimit() {
        var framer = APDUFramer(limit: 64)
        #expect(throws: APDUFramer.Oversize(announced: 104, limit: 64)) { try framer.append([0xE7, 0x00, 0x00, 0x64]) }
    }
}
