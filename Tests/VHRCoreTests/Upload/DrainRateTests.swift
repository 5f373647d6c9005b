import Testing

@testable import VHRCore

@Suite struct DrainRateTests {
    /// Drains `count` uploads, always asking again exactly when told; returns the send times.
    private static func drain(_ count: Int, rate: inout DrainRate, from start: Duration) -> [Duration] {
        var now = start
        var sent: [Duration] = []
        while sent.count < count {
            switch rate.requestPermit(at: now) {
            case .granted: sent.append(now)
            case .wait(let wait):
                #expect(wait > .zero)
                now += wait
            }
        }
        return sent
    }

    /// Each wait is rounded up to a whole nanosecond, so a long drain may run a few nanoseconds late.
    private static func isClose(_ actual: Duration, to expected: Duration) -> Bool {
        actual >= expected && actual <= expected + .microseconds(1)
    }

    @Test func aFullBucketGrantsTheBurstThenWaits() {
        var rate = DrainRate(perSecond: 2, burst: 4, now: .zero)
        for _ in 0..<4 { #expect(rate.requestPermit(at: .zero) == .granted) }
        #expect(rate.requestPermit(at: .zero) == .wait(.milliseconds(500)))
        guard case .wait(let rest) = rate.requestPermit(at: .milliseconds(499)) else {
            Issue.record("a token appeared early")
            return
        }
        #expect(rest >= .milliseconds(1) && rest <= .milliseconds(1) + .nanoseconds(2))
        #expect(rate.requestPermit(at: .milliseconds(500)) == .granted)
    }

    @Test func aWeekBacklogDrainsAtTheCappedRate() {
        var rate = DrainRate(perSecond: 2, burst: 4, now: .zero)
        let sent = Self.drain(350, rate: &rate, from: .seconds(7 * 86_400))
        #expect(sent.count == 350)
        // Over any window, no more than the burst plus the rate times the window.
        for (index, start) in sent.enumerated() {
            for window in [Duration.seconds(1), .seconds(10), .seconds(60)] {
                let inWindow = sent[index...].prefix { $0 < start + window }.count
                #expect(Double(inWindow) <= 4 + 2 * (window / .seconds(1)))
            }
        }
        // And it is not slower than the rate either: 346 after the burst take 173 s.
        #expect(Self.isClose(sent.last! - sent.first!, to: .seconds(173)))
    }

    @Test func aClockSteppingBackNeverStalls() {
        var rate = DrainRate(perSecond: 1, burst: 1, now: .seconds(100_000))
        #expect(rate.requestPermit(at: .seconds(100_000)) == .granted)
        // A day back: the bucket refills from the new reading at the normal rate.
        let back = Duration.seconds(100_000 - 86_400)
        #expect(rate.requestPermit(at: back) == .wait(.seconds(1)))
        #expect(rate.requestPermit(at: back + .seconds(1)) == .granted)
        let sent = Self.drain(10, rate: &rate, from: back + .seconds(1))
        #expect(Self.isClose(sent.last! - sent.first!, to: .seconds(9)))
    }

    @Test func aClockSteppingForwardReleasesNoMoreThanTheBurst() {
        var rate = DrainRate(perSecond: 1, burst: 3, now: .zero)
        let jumped = Duration.seconds(86_400)
        var granted = 0
        while rate.requestPermit(at: jumped) == .granted { granted += 1 }
        #expect(granted == 3)
    }

    @Test func fractionalRatesWaitLongEnough() {
        var rate = DrainRate(perSecond: 0.3, burst: 1, now: .zero)
        let sent = Self.drain(20, rate: &rate, from: .zero)
        for (earlier, later) in zip(sent, sent.dropFirst()) {
            let gap = later - earlier
            #expect(gap >= .nanoseconds(3_333_333_333) && gap <= .nanoseconds(3_333_333_335))
        }
    }
}
