/// One metric of the Prometheus text exposition: a name, its help text and type, and one
/// sample per label set.
///
/// Names and labels are checked when the family is built, so a typo in the daemon is a crash
/// in its tests rather than a scrape the fleet's Prometheus rejects.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Only goes up (resets when vhrd restarts; Prometheus's `rate()` handles that).
        case counter
        /// Goes up and down.
        case gauge
        /// `_sum` and `_count` samples (no quantiles: the fleet computes averages from them).
        case summary
    }

    /// One value with its labels, in the order given.
    public struct Sample: Sendable, Equatable {
        /// Added to the family's name, like `_sum` or `_count` for a summary; usually empty.
        public var suffix: String
        public var labels: [Label]
        public var value: Double

        public init(_ value: Double, labels: [Label] = [], suffix: String = "") {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            precondition(MetricFamily.isValidLabelName(name), "invalid Prometheus label name '\(name)'")
            self.name = name
            self.value = value
        }
    }

    public let name: String
    public let help: String
    public let kind: Kind
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind, help: String, samples: [Sample] = []) {
        precondition(Self.isValidMetricName(name), "invalid Prometheus metric name '\(name)'")
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// A family with a single unlabelled sample.
    public init(_ name: String, _ kind: Kind, help: String, value: Double) {
        self.init(name, kind, help: help, samples: [Sample(value)])
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, as the exposition format requires.
    static func isValidMetricName(_ name: String) -> Bool {
        isValid(name, allowingColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`; names starting with `__` are reserved.
    static func isValidLabelName(_ name: String) -> Bool {
        isValid(name, allowingColon: false) && !name.hasPrefix("__")
    }

    private static func isValid(_ name: String, allowingColon: Bool) -> Bool {
        guard let first = name.utf8.first else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_") || (allowingColon && byte == UInt8(ascii: ":"))
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        return isLetter(first) && name.utf8.dropFirst().allSatisfy { isLetter($0) || isDigit($0) }
    }
}
