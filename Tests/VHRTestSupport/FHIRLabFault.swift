/// What the fault proxy (`Tests/Fixtures/fhirlab/fhir_faults.py`) does to the requests it relays.
///
/// A value of this type becomes the addon's JSON control file; the addon re-reads it on every
/// request, so a test switches faults while the proxy runs.
public struct FHIRLabFault: Sendable, Equatable, CustomStringConvertible {
    /// The addon's modes, by the names its control file uses.
    public enum Mode: String, Sendable, CaseIterable {
        /// Relay everything.
        case off
        /// Answer 503 with `Retry-After`; the server never sees the request.
        case serviceUnavailable = "503"
        /// Drop the connection before the request reaches the server.
        case resetBefore = "reset_before"
        /// Relay the request, let the server commit, then drop the connection instead of answering.
        case resetAfter = "reset_after"
        /// Hold the request `seconds` before relaying it.
        case delay
        /// Relay at once and hold the response `seconds`.
        case delayResponse = "delay_after"
        /// Fault each request with `probability`, picking among `randomModes`, from a seeded PRNG.
        case random
    }

    public var mode: Mode
    /// The `Retry-After` seconds of a 503.
    public var retryAfter: Int = 1
    /// How long a delay holds a request or response.
    public var seconds: Double = 5
    public var seed: Int = 0
    public var probability: Double = 0.3
    public var randomModes: [Mode] = [.serviceUnavailable, .resetBefore, .resetAfter]
    /// Fault only the next `times` matching requests, then relay; `nil` for every request.
    public var times: Int?
    /// Fault only these HTTP methods; `nil` for every method.
    public var methods: [String]?

    public init(mode: Mode) { self.mode = mode }

    public static let off = FHIRLabFault(mode: .off)
    public static let resetBefore = FHIRLabFault(mode: .resetBefore)
    public static let resetAfter = FHIRLabFault(mode: .resetAfter)

    public static func serviceUnavailable(retryAfter: Int) -> FHIRLabFault {
        var fault = FHIRLabFault(mode: .serviceUnavailable)
        fault.retryAfter = retryAfter
        return fault
    }

    public static func delay(seconds: Double) -> FHIRLabFault {
        var fault = FHIRLabFault(mode: .delay)
        fault.seconds = seconds
        return fault
    }

    public static func delayResponse(seconds: Double) -> FHIRLabFault {
        var fault = FHIRLabFault(mode: .delayResponse)
        fault.seconds = seconds
        return fault
    }

    public static func random(
        seed: Int, probability: Double, among modes: [Mode] = [.serviceUnavailable, .resetBefore, .resetAfter]
    ) -> FHIRLabFault {
        var fault = FHIRLabFault(mode: .random)
        fault.seed = seed
        fault.probability = probability
        fault.randomModes = modes
        return fault
    }

    /// The same fault, for the next `count` matching requests only.
    public func times(_ count: Int) -> FHIRLabFault {
        var fault = self
        fault.times = count
        return fault
    }

    /// The same fault, for these HTTP methods only (such as `["POST"]`, to leave searches alone).
    public func only(methods: [String]) -> FHIRLabFault {
        var fault = self
        fault.methods = methods
        return fault
    }

    public var description: String {
        var text = mode.rawValue
        switch mode {
        case .serviceUnavailable: text += " retry-after \(retryAfter)"
        case .delay, .delayResponse: text += " \(seconds) s"
        case .random: text += " seed \(seed) p \(probability) among \(randomModes.map(\.rawValue))"
        default: break
        }
        if let times { text += " x\(times)" }
        if let methods { text += " \(methods.joined(separator: ","))" }
        return text
    }

    /// The control file's members; `serial` makes every call a new generation of the addon's counters.
    func controlObject(serial: Int) -> [String: Any] {
        var object: [String: Any] = [
            "mode": mode.rawValue, "retry_after": retryAfter, "seconds": seconds, "seed": seed,
            "p": probability, "faults": randomModes.map(\.rawValue), "serial": serial,
        ]
        if let times { object["times"] = times }
        if let methods { object["methods"] = methods }
        return object
    }
}

/// The fault proxy's counters for the current fault (since the last `setFault`).
public struct FHIRLabFaultStats: Sendable, Equatable {
    /// Requests the proxy saw under this fault.
    public var requests: Int
    /// Requests it relayed untouched.
    public var passed: Int
    /// Requests it faulted, by mode.
    public var faulted: [FHIRLabFault.Mode: Int]

    public init(requests: Int, passed: Int, faulted: [FHIRLabFault.Mode: Int]) {
        self.requests = requests
        self.passed = passed
        self.faulted = faulted
    }
}
