import Foundation

/// How long to wait before the next upload attempt of a measurement: capped exponential backoff
/// with full jitter, honouring the server's `Retry-After`, and no attempt limit.
///
/// Full jitter (`random(0, min(cap, base·2^(failures-1)))`) rather than decorrelated jitter,
/// because it is a pure function of the stored failure count: the queue row already keeps
/// `attempts`, so a restart or a crash resumes the same schedule without persisting the previous
/// sleep, and AWS's comparison found it spreads a crowd of clients as well as decorrelated jitter
/// with the least work. Many rooms coming back after one outage must not retry in step.
///
/// A `Retry-After` is added to the jitter instead of replacing it: the retry is never sooner than
/// the server asked and never later than `cap` plus what it asked, and rooms told the same
/// Retry-After still spread out. Delays are durations for the monotonic clock; only an HTTP-date
/// Retry-After involves a wall clock, and it is bounded by `retryAfterLimit` so a wrong clock or
/// a wrong header cannot park the queue for days.
public struct RetryPolicy: Sendable, Equatable {
    /// The jitter ceiling after the first failure; it doubles with each further failure.
    public var base: Duration
    /// The largest jitter ceiling.
    public var cap: Duration
    /// The most of a `Retry-After` that is honoured; a longer one is cut to this.
    public var retryAfterLimit: Duration

    /// The research's defaults: base 5 s, cap 15 min; Retry-After honoured up to an hour.
    ///
    /// - Important: `base` must be positive, `cap` at least `base`, `retryAfterLimit` not negative.
    public init(base: Duration = .seconds(5), cap: Duration = .seconds(900), retryAfterLimit: Duration = .seconds(3600))
    {
        precondition(base > .zero && cap >= base && retryAfterLimit >= .zero, "RetryPolicy needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.retryAfterLimit = retryAfterLimit
    }

    /// The largest jitter after `failures` failed attempts: `min(cap, base·2^(failures-1))`.
    /// A count below 1 is treated as 1.
    public func ceiling(afterFailures failures: Int) -> Duration {
        .nanoseconds(ceilingNanoseconds(afterFailures: failures))
    }

    /// The wait before the next attempt, after `failures` failed attempts (1 after the first).
    ///
    /// - Parameters:
    ///   - failures: Failed attempts so far; there is no limit, and a huge count stays at the cap.
    ///   - retryAfter: The server's `Retry-After`, parsed by ``parseRetryAfter(_:now:)``; a
    ///     negative one counts as zero, one above ``retryAfterLimit`` as the limit.
    ///   - random: The jitter's source; tests pass a ``SeededRandom``.
    /// - Returns: A delay in `retryAfter ... retryAfter + ceiling(afterFailures: failures)`.
    public func delay(
        afterFailures failures: Int, retryAfter: Duration? = nil, using random: inout some RandomNumberGenerator
    ) -> Duration {
        let honoured = min(max(retryAfter ?? .zero, .zero), retryAfterLimit)
        let jitter = UInt64.random(in: 0...ceilingNanoseconds(afterFailures: failures), using: &random)
        return honoured + .nanoseconds(Int64(jitter))
    }

    private func ceilingNanoseconds(afterFailures failures: Int) -> UInt64 {
        let capNanoseconds = Self.nanoseconds(cap)
        let exponent = min(max(failures, 1) - 1, 63)
        let (scaled, overflow) = Self.nanoseconds(base).multipliedReportingOverflow(by: 1 << UInt64(exponent))
        return overflow ? capNanoseconds : min(scaled, capNanoseconds)
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(seconds, 0)) * 1_000_000_000 + UInt64(max(attoseconds, 0) / 1_000_000_000)
    }
}

// MARK: - Retry-After

extension RetryPolicy {
    /// Why a `Retry-After` field was ignored; the attempt then backs off as if there were none.
    public enum RetryAfterProblem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The field is present but blank.
        case empty
        /// The field is neither delta-seconds nor an HTTP-date.
        case malformed(String)

        public var description: String {
            switch self {
            case .empty:
                "the server sent an empty Retry-After; it was ignored and the usual backoff applies"
            case .malformed(let text):
                "the server's Retry-After \"\(text)\" is neither seconds nor an HTTP date; it was ignored and the"
                    + " usual backoff applies (fix the server or proxy that sends it)"
            }
        }
    }

    /// Parses a `Retry-After` field (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date in any of
    /// the three forms recipients must accept.
    ///
    /// - Parameters:
    ///   - field: The header's value; surrounding whitespace is allowed.
    ///   - now: What "now" is for an HTTP-date. Pass the response's own `Date` header (parsed with
    ///     ``parseHTTPDate(_:now:)``) when it has one, so the kiosk's wall clock does not matter;
    ///     otherwise the wall clock.
    /// - Returns: The delay asked for; a date already past gives zero.
    public static func parseRetryAfter(_ field: String, now: Date) -> Result<Duration, RetryAfterProblem> {
        let text = field.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .failure(.empty) }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // More digits than an Int64 holds is still "a very long time"; the limit cuts it.
            return .success(.seconds(Int64(text) ?? Int64.max / 1_000_000_000_000))
        }
        guard let date = parseHTTPDate(text, now: now) else { return .failure(.malformed(text)) }
        let seconds = date.timeIntervalSince(now)
        return .success(seconds > 0 ? .seconds(seconds) : .zero)
    }

    /// Parses an HTTP-date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850
    /// form (`Sunday, 06-Nov-94 08:49:37 GMT`) or asctime (`Sun Nov  6 08:49:37 1994`).
    ///
    /// Done by hand rather than with `DateFormatter` so it cannot depend on locale or time zone.
    /// - Parameter now: Resolves an RFC 850 two-digit year: one more than 50 years ahead of `now`
    ///   is taken as the century before, as RFC 9110 requires.
    public static func parseHTTPDate(_ text: String, now: Date) -> Date? {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let day: Int?
        let month: Int?
        var year: Int?
        let time: String
        switch tokens.count {
        case 6 where tokens[0].hasSuffix(",") && shortDays.contains(String(tokens[0].dropLast())) && tokens[5] == "GMT":
            guard tokens[1].count == 2, tokens[3].count == 4 else { return nil }
            (day, month, year, time) = (
                digits(tokens[1]), months.firstIndex(of: tokens[2]), digits(tokens[3]), tokens[4]
            )
        case 4 where tokens[0].hasSuffix(",") && longDays.contains(String(tokens[0].dropLast())) && tokens[3] == "GMT":
            let parts = tokens[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0].count == 2, parts[2].count == 2 else { return nil }
            (day, month, year, time) = (digits(parts[0]), months.firstIndex(of: parts[1]), digits(parts[2]), tokens[2])
            year = year.map { twoDigit in resolveCentury(twoDigit, now: now) }
        case 5 where shortDays.contains(tokens[0]):
            guard (1...2).contains(tokens[2].count), tokens[4].count == 4 else { return nil }
            (day, month, year, time) = (
                digits(tokens[2]), months.firstIndex(of: tokens[1]), digits(tokens[4]), tokens[3]
            )
        default:
            return nil
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let day, let month, let year, clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = digits(clock[0]), let minute = digits(clock[1]), let second = digits(clock[2]),
            hour < 24, minute < 60, second < 61, day >= 1, day <= daysIn(month: month + 1, year: year)
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month + 1, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    private static let shortDays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func digits(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int(text)
    }

    private static func resolveCentury(_ twoDigit: Int, now: Date) -> Int {
        let currentYear = 1970 + Int((now.timeIntervalSince1970 / 86_400 / 365.2425).rounded(.down))
        var year = currentYear - currentYear % 100 + twoDigit
        if year > currentYear + 50 { year -= 100 }
        return year
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
