import Foundation
import VHRCore

/// What the uploader is doing, for `vhrctl status` and the daemon's status line.
public struct UploaderStatus: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// Not started, or stopped.
        case stopped
        /// Nothing is due; waiting for a measurement or a due retry.
        case idle
        /// A request is in flight.
        case sending
        /// The server or the network failed; the queue waits before the next attempt.
        case backingOff = "backing-off"
        /// The server refused the bearer token; the whole queue waits for a renewed one.
        case pausedAuth = "paused-auth"
        /// The token file cannot be read; the queue waits until it can.
        case waitingForToken = "waiting-for-token"
        /// The state database failed; the queue waits and tries again.
        case storeError = "store-error"
    }

    /// A condition that needs a person, raised once (log and `alarm` event) and cleared when it
    /// goes away.
    public struct Alarm: Sendable, Equatable {
        /// `upload_auth`, `upload_token`, `upload_store`.
        public var kind: String
        /// What is wrong and how to fix it.
        public var message: String
        /// When it was raised (wall clock).
        public var since: Date

        public init(kind: String, message: String, since: Date) {
            self.kind = kind
            self.message = message
            self.since = since
        }
    }

    public var state: State
    /// The last attempt's outcome, as `UploadOutcome.description` (without server diagnostics).
    public var lastOutcome: String?
    /// When the last attempt started (wall clock).
    public var lastAttemptAt: Date?
    /// How long until the queue tries again, when it is waiting for something other than a
    /// measurement (a backoff, a token); by the monotonic clock.
    public var resumesIn: Duration?
    /// Since the uploader started.
    public var delivered: Int
    public var retried: Int
    public var held: Int
    /// Active alarms, oldest first.
    public var alarms: [Alarm]

    public init(
        state: State, lastOutcome: String? = nil, lastAttemptAt: Date? = nil, resumesIn: Duration? = nil,
        delivered: Int = 0, retried: Int = 0, held: Int = 0, alarms: [Alarm] = []
    ) {
        self.state = state
        self.lastOutcome = lastOutcome
        self.lastAttemptAt = lastAttemptAt
        self.resumesIn = resumesIn
        self.delivered = delivered
        self.retried = retried
        self.held = held
        self.alarms = alarms
    }

    /// The status as a control-protocol object; times are Unix seconds, durations seconds.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "state": .string(state.rawValue),
            "delivered": .int(Int64(delivered)),
            "retried": .int(Int64(retried)),
            "held": .int(Int64(held)),
            "alarms": .array(
                alarms.map { alarm in
                    [
                        "kind": .string(alarm.kind), "message": .string(alarm.message),
                        "since": .double(alarm.since.timeIntervalSince1970),
                    ]
                }),
        ]
        if let lastOutcome { members["last_outcome"] = .string(lastOutcome) }
        if let lastAttemptAt { members["last_attempt_at"] = .double(lastAttemptAt.timeIntervalSince1970) }
        if let resumesIn {
            let (seconds, attoseconds) = resumesIn.components
            members["resumes_in_s"] = .double(Double(seconds) + Double(attoseconds) * 1e-18)
        }
        return .object(members)
    }
}
