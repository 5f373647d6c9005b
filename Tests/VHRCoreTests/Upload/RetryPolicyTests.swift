import Foundation
import Testing

@testable import VHRCore

@Suite struct RetryPolicyTests {
    private static let policy = RetryPolicy()
    /// 2026-11-23 05:00:00 UTC.
    private static let now = Date(timeIntervalSince1970: 1_795_410_000)

    @Test(arguments: [
        (1, 5), (2, 10), (3, 20), (4, 40), (5, 80), (6, 160), (7, 320), (8, 640), (9, 900), (10, 900), (64, 900),
        (65, 900), (1_000_000, 900), (Int.max, 900), (0, 5), (-3, 5),
    ])
    func theCeilingDoublesUpToTheCap(failures: Int, seconds: Int) {
        #expect(Self.policy.ceiling(afterFailures: failures) == .seconds(seconds))
    }

    @Test(arguments: [1, 2, 5, 9, 40, Int.max])
    func drawsStayWithinZeroAndTheCeilingAndSpreadOverIt(failures: Int) {
        var random = SeededRandom(seed: 0x5EED_0000 + UInt64(failures % 1000))
        let ceiling = Self.policy.ceiling(afterFailures: failures)
        let draws = (0..<4_000).map { _ in Self.policy.delay(afterFailures: failures, using: &random) }
        #expect(draws.allSatisfy { $0 >= .zero && $0 <= ceiling })
        // Full jitter: every tenth of the range is used, so rooms do not retry in step.
        var deciles = Set<Int>()
        for draw in draws { deciles.insert(min(Int(draw / ceiling * 10), 9)) }
        #expect(deciles.count == 10)
        let mean = draws.reduce(Duration.zero, +) / draws.count
        #expect(mean > ceiling * 0.45 && mean < ceiling * 0.55)
    }

    @Test func theSameSeedGivesTheSameSchedule() {
        var first = SeededRandom(seed: 7)
        var second = SeededRandom(seed: 7)
        let a = (1...30).map { Self.policy.delay(afterFailures: $0, using: &first) }
        let b = (1...30).map { Self.policy.delay(afterFailures: $0, using: &second) }
        #expect(a == b)
        #expect(Set(a).count == 30)
    }

    @Test(arguments: [0, 1, 30, 899, 3_600])
    func aRetryAfterIsNeverUndercutNorExceededByMoreThanTheCap(retryAfter: Int) {
        var random = SeededRandom(seed: UInt64(retryAfter) + 11)
        for failures in [1, 3, 20] {
            for _ in 0..<1_000 {
                let delay = Self.policy.delay(afterFailures: failures, retryAfter: .seconds(retryAfter), using: &random)
                #expect(delay >= .seconds(retryAfter))
                #expect(delay <= .seconds(retryAfter) + Self.policy.ceiling(afterFailures: failures))
            }
        }
    }

    @Test func aRetryAfterBeyondTheLimitIsCutAndANegativeOneIsZero() {
        var random = SeededRandom(seed: 3)
        let policy = RetryPolicy(base: .seconds(1), cap: .seconds(2), retryAfterLimit: .seconds(60))
        for _ in 0..<500 {
            let long = policy.delay(afterFailures: 5, retryAfter: .seconds(86_400 * 30), using: &random)
            #expect(long >= .seconds(60) && long <= .seconds(62))
            let negative = policy.delay(afterFailures: 5, retryAfter: .seconds(-100), using: &random)
            #expect(negative >= .zero && negative <= .seconds(2))
        }
    }

    // MARK: - Retry-After parsing

    @Test(arguments: [("0", 0), ("120", 120), ("  30 ", 30), ("\t7", 7), ("0003600", 3_600)])
    func parsesDeltaSeconds(field: String, seconds: Int) {
        #expect(RetryPolicy.parseRetryAfter(field, now: Self.now) == .success(.seconds(seconds)))
    }

    @Test func aHugeDeltaIsStillAWaitAndTheLimitCutsIt() throws {
        let parsed = try RetryPolicy.parseRetryAfter("99999999999999999999999999", now: Self.now).get()
        #expect(parsed > .seconds(86_400 * 30))
        var random = SeededRandom(seed: 1)
        let delay = Self.policy.delay(afterFailures: 1, retryAfter: parsed, using: &random)
        #expect(delay >= .seconds(3_600) && delay <= .seconds(3_605))
    }

    @Test(arguments: [
        "Mon, 23 Nov 2026 05:02:00 GMT",  // IMF-fixdate
        "Monday, 23-Nov-26 05:02:00 GMT",  // RFC 850
        "Mon Nov 23 05:02:00 2026",  // asctime
    ])
    func parsesAllThreeHTTPDateForms(field: String) {
        #expect(RetryPolicy.parseRetryAfter(field, now: Self.now) == .success(.seconds(120)))
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
        ("Sun Nov  6 08:49:37 1994", 784_111_777),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("Tue, 29 Feb 2028 23:59:59 GMT", 1_835_481_599),
        ("Fri, 31 Dec 1999 23:59:60 GMT", 946_684_800),
    ])
    func httpDatesAreTheRightInstants(text: String, epoch: TimeInterval) {
        #expect(RetryPolicy.parseHTTPDate(text, now: Self.now) == Date(timeIntervalSince1970: epoch))
    }

    @Test func anRFC850YearMoreThanFiftyYearsAheadIsTheCenturyBefore() {
        #expect(
            RetryPolicy.parseHTTPDate("Saturday, 01-Jan-77 00:00:00 GMT", now: Self.now)
                == Date(timeIntervalSince1970: 220_924_800))
        #expect(
            RetryPolicy.parseHTTPDate("Wednesday, 01-Jan-76 00:00:00 GMT", now: Self.now)
                == Date(timeIntervalSince1970: 3_345_062_400))
    }

    @Test func aDateAlreadyPastAsksForNoWait() {
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.now) == .success(.zero))
    }

    @Test(arguments: [-86_400.0, 86_400.0])
    func aWallClockJumpOfADayNeverStallsBeyondTheLimitPlusTheCap(jump: TimeInterval) throws {
        // The room's wall clock is a day off; the server asked for two minutes.
        let wrongNow = Self.now.addingTimeInterval(jump)
        let asked = try RetryPolicy.parseRetryAfter("Mon, 23 Nov 2026 05:02:00 GMT", now: wrongNow).get()
        var random = SeededRandom(seed: 99)
        for failures in 1...12 {
            let delay = Self.policy.delay(afterFailures: failures, retryAfter: asked, using: &random)
            #expect(delay >= .zero)
            #expect(delay <= Self.policy.retryAfterLimit + Self.policy.cap)
        }
    }

    @Test func theResponsesDateHeaderMakesTheWallClockIrrelevant() throws {
        let serverNow = try #require(RetryPolicy.parseHTTPDate("Mon, 23 Nov 2026 05:00:00 GMT", now: Self.now))
        let asked = RetryPolicy.parseRetryAfter("Mon, 23 Nov 2026 05:02:00 GMT", now: serverNow)
        #expect(asked == .success(.seconds(120)))
    }

    @Test(arguments: [
        "-5", "5.5", "+5", "1e3", "soon", "0x10", "5 s",
        "Mon, 23 Nov 2026 05:02:00 UTC", "Mon, 23 Nov 2026 05:02 GMT", "Mon, 31 Nov 2026 05:02:00 GMT",
        "Mon, 29 Feb 2026 05:02:00 GMT", "Mon, 23 Nev 2026 05:02:00 GMT", "Mon, 23 Nov 2026 24:00:00 GMT",
        "Mon, 23 Nov 26 05:02:00 GMT", "Mon 23 Nov 2026 05:02:00 GMT", "Xyz, 23 Nov 2026 05:02:00 GMT",
        "Monday, 23-Nov-2026 05:02:00 GMT", "Mon Nov 23 05:02:00", "Mon Nov 123 05:02:00 2026",
        "Mon, 23 Nov 2026 5:02:00 GMT",
    ])
    func malformedValuesAreIgnoredWithTheReason(field: String) {
        let parsed = RetryPolicy.parseRetryAfter(field, now: Self.now)
        #expect(parsed == .failure(.malformed(field)))
        if case .failure(let problem) = parsed {
            #expect(problem.description.contains("ignored"))
            #expect(problem.description.contains(field))
        }
    }

    @Test(arguments: ["", "   ", "\t"])
    func anEmptyValueIsIgnoredWithTheReason(field: String) {
        #expect(RetryPolicy.parseRetryAfter(field, now: Self.now) == .failure(.empty))
    }
}
