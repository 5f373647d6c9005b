import Testing
import VHRCore

@Suite struct ScrapeRequestTests {
    static let prometheus = Array(
        "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Prometheus/2.45\r\nAccept: text/plain\r\n\r\n".utf8
    )

    @Test func aWholeRequestIsParsedAtOnceAndByteByByte() {
        #expect(ScrapeRequest.parse(Self.prometheus) == .complete(method: "GET", path: "/metrics"))
        for end in 0..<Self.prometheus.count {
            #expect(ScrapeRequest.parse(Self.prometheus[..<end]) == .incomplete, "after \(end) bytes")
        }
    }

    @Test func bareLineFeedsAndHeadWork() {
        #expect(ScrapeRequest.parse(Array("HEAD / HTTP/1.0\n\n".utf8)) == .complete(method: "HEAD", path: "/"))
    }

    @Test func badRequestsAreAnsweredWithoutWaiting() {
        #expect(
            ScrapeRequest.parse(Array("POST /metrics HTTP/1.1\r\n".utf8))
                == .invalid(status: 405, reason: "only GET and HEAD are served"))
        #expect(
            ScrapeRequest.parse(Array("hello\n".utf8)) == .invalid(status: 400, reason: "not an HTTP/1.x request line"))
        #expect(
            ScrapeRequest.parse([0xFF, 0xFE, 0x0A])
                == .invalid(status: 400, reason: "the request line is not UTF-8"))
        let endless = [UInt8](repeating: UInt8(ascii: "a"), count: ScrapeRequest.maximumHeadBytes + 1)
        guard case .invalid(431, _) = ScrapeRequest.parse(endless) else {
            Issue.record("an endless head must be refused")
            return
        }
    }

    @Test func randomSplitsNeverCrashAndAgreeAtTheEnd() {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<200 {
            var bytes = Self.prometheus
            let flips = Int.random(in: 0...3, using: &generator)
            for _ in 0..<flips {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let whole = ScrapeRequest.parse(bytes)
            // Parsing a prefix never claims a different complete request than the whole does.
            let cut = Int.random(in: 0...bytes.count, using: &generator)
            if case .complete = ScrapeRequest.parse(bytes[..<cut]) {
                #expect(ScrapeRequest.parse(bytes[..<cut]) == whole)
            }
        }
    }
}
