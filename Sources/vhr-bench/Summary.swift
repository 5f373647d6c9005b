/// One configuration over all rounds: the median rate, its spread, and paired ratios.
struct Summary {
    /// A ratio of two configurations' rates, taken per round (the two runs were close in time)
    /// and then the median over rounds.
    struct Ratio: Encodable {
        var value: Double
        /// Rounds the median was taken over.
        var pairs: Int
        /// True if only rounds in which both runs saw the same stable placement were used.
        var sameRegime: Bool

        enum CodingKeys: String, CodingKey {
            case value
            case pairs
            case sameRegime = "same_regime"
        }
    }

    var configuration: Configuration
    var rates: [Double]
    var errors: Int
    var pinned: Bool
    var regimes: [PlacementRegime: Int]
    var extra: [String: Double]
    var versusBoost: Ratio?
    var versusMemcpy: Ratio?
    var versusCrossCore: Ratio?

    var median: Double { Statistics.median(rates) }

    /// Summarizes every configuration measured, in the order the groups list them.
    static func make(_ measurements: [Measurement]) -> [Summary] {
        let byConfiguration = Dictionary(grouping: measurements, by: \.configuration)
        let order = BenchmarkRunner.groups.flatMap { $0 }
        return order.compactMap { configuration in
            guard let runs = byConfiguration[configuration] else { return nil }
            let extraKeys = Set(runs.flatMap { $0.result.extra.keys })
            var summary = Summary(
                configuration: configuration, rates: runs.map(\.result.samplesPerSecond),
                errors: runs.reduce(0) { $0 + $1.result.errors }, pinned: runs.allSatisfy(\.result.pinned),
                regimes: Dictionary(grouping: runs, by: \.regime).mapValues(\.count),
                extra: Dictionary(
                    uniqueKeysWithValues: extraKeys.map { key in
                        (key, Statistics.median(runs.compactMap { $0.result.extra[key] }))
                    }))
            if configuration.kind == .spsc, configuration.implementation != .boost {
                summary.versusBoost = ratio(runs, byConfiguration[configuration.boostPeer])
            }
            if configuration.kind != .limit, configuration.block > 1 {
                summary.versusMemcpy = ratio(runs, byConfiguration[configuration.memcpyLimit])
                summary.versusCrossCore = ratio(runs, byConfiguration[configuration.crossCoreLimit])
            }
            return summary
        }
    }

    /// Per stable placement (A, B, C), the median over rounds of `x / y` for the rounds in which
    /// both runs saw that placement before and after: ratios that compare like with like. Only
    /// placements with at least `minimumPairs` such rounds, fastest placement first.
    static func ratiosByRegime(
        _ numerator: [Measurement], _ denominator: [Measurement]?, minimumPairs: Int = 2
    ) -> [(regime: PlacementRegime, ratio: Ratio)] {
        guard let denominator else { return [] }
        let byRound = Dictionary(grouping: denominator, by: \.round).compactMapValues(\.first)
        var ratios: [PlacementRegime: [Double]] = [:]
        for run in numerator {
            guard let other = byRound[run.round], other.result.samplesPerSecond > 0,
                run.regime == other.regime, run.regime.isStable
            else { continue }
            ratios[run.regime, default: []].append(run.result.samplesPerSecond / other.result.samplesPerSecond)
        }
        return PlacementRegime.allCases.compactMap { regime in
            guard let values = ratios[regime], values.count >= minimumPairs else { return nil }
            return (regime, Ratio(value: Statistics.median(values), pairs: values.count, sameRegime: true))
        }
    }

    /// The median over rounds of `value(x) / value(y)` for runs of the same round. Only rounds in
    /// which both runs saw the same stable placement are used when there are enough of them (a
    /// third of the rounds, at least 2); otherwise every round.
    static func ratio(
        _ numerator: [Measurement], _ denominator: [Measurement]?,
        value: (Measurement) -> Double = { $0.result.samplesPerSecond }
    ) -> Ratio? {
        guard let denominator else { return nil }
        let byRound = Dictionary(grouping: denominator, by: \.round).compactMapValues(\.first)
        let pairs = numerator.compactMap { run -> (Measurement, Measurement)? in
            guard let other = byRound[run.round], value(other) > 0 else { return nil }
            return (run, other)
        }
        guard !pairs.isEmpty else { return nil }
        let stable = pairs.filter { $0.0.regime == $0.1.regime && $0.0.regime.isStable }
        let rounds = Set(numerator.map(\.round)).count
        let useStable = stable.count >= max(2, (rounds + 2) / 3)
        let chosen = useStable ? stable : pairs
        return Ratio(
            value: Statistics.median(chosen.map { value($0.0) / value($0.1) }), pairs: chosen.count,
            sameRegime: useStable)
    }
}
