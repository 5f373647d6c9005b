import Foundation
import Testing
import VHRCore
import VHRServices

/// Long outages and clock jumps, in virtual time.
@Suite(.timeLimit(.minutes(3))) struct UploaderBacklogTests {
    private static let day: Duration = .seconds(86_400)

    @Test func aSevenDayBacklogDrainsAtTheCappedRateAfterReconnection() async throws {
        let outage = Self.day * 7
        let rate = 2.0
        let burst = 10
        let rig = try UploaderRig(horizon: outage + .seconds(7200), rate: rate, burst: burst, seed: 7) { request, _ in
            request.at < outage ? .fail(.networkUnreachable) : .accept
        }
        // 350 measurements saved across the seven days while the network is down, each waking the uploader.
        let count = 350
        for number in 1...count {
            let at = Duration.seconds(Double(number - 1) * 7 * 86_400 / Double(count))
            rig.clock.schedule(at: at) { [store = rig.store, clock = rig.clock, uploader = rig.uploader] in
                try? store.save(UploaderRig.record(number, at: clock.now()))
                uploader.wake()
            }
        }
        await rig.runToHorizon()

        let summary = try rig.store.queueSummary(now: rig.clock.now())
        #expect(summary.delivered == count && summary.pending == 0 && summary.held == 0)
        #expect(rig.server.copies.count == count && rig.server.copies.values.allSatisfy { $0 == 1 })
        #expect(rig.server.overlaps == 0)

        let requests = rig.server.requests
        let probes = requests.filter { $0.at < outage }
        let sent = requests.filter { $0.at >= outage }
        // During the outage the queue probes once per backoff instead of retrying every row:
        // about one request per 7.5 minutes (full jitter under a 15-minute cap), not hundreds.
        #expect(probes.count > 7 * 86_400 / 900 && probes.count < 7 * 86_400 / 300)
        // Jittered: the probes' spacing varies, and is never longer than the cap.
        let gaps = zip(probes.dropFirst(), probes).map { $0.at - $1.at }
        #expect(Set(gaps).count > gaps.count * 9 / 10)
        #expect(gaps.allSatisfy { $0 <= RetryPolicy().cap + .milliseconds(100) })

        // After reconnection: the first success within one cap, then never above rate + burst.
        let first = try #require(sent.first).at
        #expect(first - outage <= RetryPolicy().cap)
        #expect(sent.count == count)
        // Requests i…j (sorted by time) must fit in burst + rate × their span.
        var excess = 0.0
        for i in sent.indices {
            for j in i..<min(i + 4 * burst, sent.count) {
                let span = (sent[j].at - sent[i].at).seconds
                excess = max(excess, Double(j - i + 1) - (Double(burst) + rate * span))
            }
        }
        #expect(excess <= 1e-6)
        // The drain takes about count / rate (less the burst), not a backoff per row.
        let drain = (try #require(sent.last).at - first).seconds
        #expect(drain >= Double(count - burst) / rate - 1)
        #expect(drain <= Double(count) / rate + 5)
    }

    @Test(arguments: [86_400.0, -86_400.0])
    func aWallClockJumpDuringBackoffStallsNothing(jump: TimeInterval) async throws {
        let outage: Duration = .seconds(1800)
        let rig = try UploaderRig(horizon: .seconds(6 * 3600), seed: 3) { request, _ in
            request.at < outage ? .respond(status: 503, headers: [:], body: Data()) : .accept
        }
        try rig.save(20)
        rig.clock.schedule(at: .seconds(900)) { [clock = rig.clock] in clock.jumpWall(by: jump) }
        await rig.runToHorizon()

        let summary = try rig.store.queueSummary(now: rig.clock.now())
        #expect(summary.delivered == 20 && summary.pending == 0)
        let requests = rig.server.requests
        let gaps = zip(requests.dropFirst(), requests).map { $0.at - $1.at }
        let longest = try #require(gaps.max())
        #expect(longest <= RetryPolicy().cap + Uploader.defaultPollInterval)
        // Everything is delivered within a cap of the server's recovery (plus the drain itself).
        let last = try #require(requests.last).at
        #expect(last <= outage + RetryPolicy().cap + .seconds(20))
    }
}
