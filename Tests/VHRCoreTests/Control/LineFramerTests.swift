import Testing

@testable import VHRCore

@Suite struct LineFramerTests {
    /// Feeds `bytes` in `chunks`, draining after each one (and at EOF with `finish`).
    private func frame(_ chunks: [ArraySlice<UInt8>], max: Int = 65536, atEOF: Bool = false) -> [LineFramer.Result] {
        var framer = LineFramer(maxLineLength: max)
        var results: [LineFramer.Result] = []
        for chunk in chunks {
            framer.append(chunk)
            while let result = framer.nextLine() { results.append(result) }
            #expect(framer.bufferedByteCount <= max + 1)
        }
        if atEOF {
            while let result = framer.finish() { results.append(result) }
        }
        return results
    }

    private func expectSameForEveryFeed(
        _ bytes: [UInt8], max: Int = 65536, atEOF: Bool = false, _ expected: [LineFramer.Result]
    ) {
        for chunks in ChunkedFeeds.all(bytes) {
            #expect(frame(chunks, max: max, atEOF: atEOF) == expected, "chunks: \(chunks.map(\.count))")
        }
    }

    @Test func splitsLinesOnLFAndCRLF() {
        let text = "{\"id\":1}\n{\"id\":2}\r\n\nlast é\r\n"
        expectSameForEveryFeed(
            Array(text.utf8), [.line("{\"id\":1}"), .line("{\"id\":2}"), .line(""), .line("last é")])
    }

    @Test func keepsAnUnterminatedTailUntilEOF() {
        let bytes = Array("one\ntwo".utf8)
        expectSameForEveryFeed(bytes, [.line("one")])
        expectSameForEveryFeed(bytes, atEOF: true, [.line("one"), .line("two")])
    }

    @Test func aLoneCROnlyEndsAtTheNewline() {
        expectSameForEveryFeed(Array("a\rb\r\n".utf8), [.line("a\rb")])
    }

    @Test func reportsInvalidUTF8AndCarriesOn() {
        let bytes: [UInt8] = Array("ok\n".utf8) + [0xC3, 0x28, 0x0A] + Array("after\n".utf8)
        expectSameForEveryFeed(bytes, [.line("ok"), .invalidUTF8, .line("after")])
    }

    @Test func aLineOfExactlyTheLimitPasses() {
        let line = String(repeating: "x", count: 16)
        expectSameForEveryFeed(Array((line + "\r\n" + line + "\n").utf8), max: 16, [.line(line), .line(line)])
    }

    @Test func reportsOversizeLinesAndResyncs() {
        let long = String(repeating: "y", count: 1000)
        let text = "before\n" + long + "\r\n" + "mid\n" + long + "z\n" + "after\n"
        expectSameForEveryFeed(
            Array(text.utf8), max: 64,
            [.line("before"), .oversize(1000), .line("mid"), .oversize(1001), .line("after")])
    }

    @Test func oversizeByOneIsCaught() {
        let text = String(repeating: "q", count: 17) + "\n" + "ok\n"
        expectSameForEveryFeed(Array(text.utf8), max: 16, [.oversize(17), .line("ok")])
    }

    @Test func anOversizeTailAtEOFIsReported() {
        expectSameForEveryFeed(
            Array(("a\n" + String(repeating: "w", count: 100)).utf8), max: 10, atEOF: true,
            [.line("a"), .oversize(100)])
    }

    @Test func doesNotBufferARunawayLine() {
        var framer = LineFramer(maxLineLength: 100)
        let chunk = [UInt8](repeating: UInt8(ascii: "r"), count: 4096)
        for _ in 0..<100 {
            framer.append(chunk)
            #expect(framer.nextLine() == nil)
            #expect(framer.bufferedByteCount <= 101)
        }
        #expect(framer.isSkippingOversizeLine)
        #expect(framer.bufferedByteCount == 0)
        framer.append(Array("\nnext\n".utf8))
        #expect(framer.nextLine() == .oversize(409_600))
        #expect(framer.nextLine() == .line("next"))
        #expect(framer.nextLine() == nil)
        #expect(!framer.isSkippingOversizeLine)
    }

    @Test func manyLinesInOneChunk() {
        let lines = (0..<5000).map { "{\"id\":\($0)}" }
        let bytes = Array(lines.joined(separator: "\n").utf8) + [0x0A]
        #expect(frame([bytes[...]]) == lines.map(LineFramer.Result.line))
        var framer = LineFramer()
        for byte in bytes { framer.append([byte]) }
        var count = 0
        while case .line(let line)? = framer.nextLine() {
            #expect(line == lines[count])
            count += 1
        }
        #expect(count == lines.count)
    }
}
