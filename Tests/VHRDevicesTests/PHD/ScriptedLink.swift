import Foundation
import Synchronization
import VHRCore
import VHRDevices

/// A `CuffLink` that replays a recorded session from `Tests/Fixtures/bp/sessions/` (format in that
/// folder's README): it delivers the agent's bytes, checks every byte the driver sends against the
/// script, and plays unplugs, absences and silences.
///
/// It also owns a virtual clock: silence moves it on by each read's timeout and `timing` hands it to
/// the driver, so a 10 s protocol timeout takes no real time. A mismatch is recorded in `failures`
/// (and the send throws), so a test that checks `failures` fails loudly with the line number.
final class ScriptedLink: CuffLink {
    enum Step: Equatable {
        case agent([UInt8])
        case manager([UInt8])
        case unplug
        case absent
        case plug
        case silence(Duration)
    }

    /// How the agent's bytes are cut into reads.
    enum Delivery: Sendable {
        case whole
        case byteByByte
        case randomSplits(seed: UInt64)
    }

    private struct State {
        var index = 0
        /// Bytes of the current agent step already delivered.
        var offset = 0
        var silenceLeft: Duration?
        var present = true
        var open = false
        var now: Duration = .zero
        var failures: [String] = []
        var random: SeededRandom
    }

    let name: String
    let steps: [(line: Int, step: Step)]
    let delivery: Delivery
    private let state: Mutex<State>

    var endpointDescription: String { "script \(name)" }

    init(steps: [(line: Int, step: Step)], name: String, delivery: Delivery = .whole) {
        self.name = name
        self.steps = steps
        self.delivery = delivery
        var seed: UInt64 = 1
        if case .randomSplits(let value) = delivery { seed = value }
        self.state = Mutex(State(random: SeededRandom(seed: seed)))
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/bp/sessions")

    /// Loads `name.session`; a malformed line stops the test run with its line number.
    convenience init(session name: String, delivery: Delivery = .whole) {
        let url = Self.directory.appendingPathComponent(name + ".session")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("no session \(url.path)") }
        self.init(steps: Self.parse(text, name: name), name: name, delivery: delivery)
    }

    static func parse(_ text: String, name: String) -> [(line: Int, step: Step)] {
        var steps: [(line: Int, step: Step)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let rest = String(line.dropFirst(1)).trimmingCharacters(in: .whitespaces)
            let step: Step
            switch line.first {
            case "<", ">":
                guard let bytes = try? Hex.parse(rest), !bytes.isEmpty else { fatalError("\(name):\(number + 1): hex") }
                step = line.first == "<" ? .agent(bytes) : .manager(bytes)
            case "!":
                let words = rest.split(separator: " ")
                switch (words.first, words.count) {
                case ("unplug", 1): step = .unplug
                case ("absent", 1): step = .absent
                case ("plug", 1): step = .plug
                case ("silence", 2):
                    guard let seconds = Double(words[1]) else { fatalError("\(name):\(number + 1): seconds") }
                    step = .silence(.seconds(seconds))
                default: fatalError("\(name):\(number + 1): unknown directive \(rest)")
                }
            default: fatalError("\(name):\(number + 1): unknown line \(line)")
            }
            steps.append((number + 1, step))
        }
        return steps
    }

    // MARK: - Inspection

    var failures: [String] { state.withLock { $0.failures } }
    /// The index of the next step.
    var position: Int { state.withLock { $0.index } }
    var isFinished: Bool { state.withLock { $0.index >= steps.count } }
    var now: Duration { state.withLock { $0.now } }

    /// True when the script waits for the manager to send (the driver is idle in `receive`).
    var awaitsManager: Bool {
        state.withLock { state in
            guard state.index < steps.count, case .manager = steps[state.index].step else { return false }
            return true
        }
    }

    /// Waits (real time, at most `limit`) until `condition` holds; false if it never did.
    func wait(upTo limit: Duration = .seconds(20), until condition: () -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return condition()
    }

    /// Clocks for the driver: the virtual monotonic clock, a wall clock `base` plus virtual time, and a
    /// sleep that moves virtual time.
    func timing(base: Date) -> PHDCuff.Timing {
        PHDCuff.Timing(
            now: { [self] in now },
            wallClock: { [self] in base.addingTimeInterval(Self.seconds(now)) },
            sleep: { [self] duration in
                state.withLock { $0.now += duration }
                Thread.sleep(forTimeInterval: 0.001)
            })
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    // MARK: - CuffLink

    func open() throws(DeviceError) {
        let result: DeviceError? = state.withLock { state in
            if state.index < steps.count {
                switch steps[state.index].step {
                case .plug:
                    state.index += 1
                    state.present = true
                case .absent:
                    state.index += 1
                    state.present = false
                default: break
                }
            }
            guard state.present else { return DeviceError(.notFound, "scripted device absent") }
            state.open = true
            return nil
        }
        if let result { throw result }
    }

    func receive(timeout: Duration) throws(DeviceError) -> [UInt8] {
        enum Outcome {
            case bytes([UInt8])
            case idle
            case unplugged
        }
        let outcome: Outcome = state.withLock { state in
            guard state.open, state.index < steps.count else { return .idle }
            switch steps[state.index].step {
            case .agent(let bytes):
                let left = bytes.count - state.offset
                let size: Int
                switch delivery {
                case .whole: size = left
                case .byteByByte: size = 1
                case .randomSplits: size = Int.random(in: 1...left, using: &state.random)
                }
                let chunk = Array(bytes[state.offset..<state.offset + size])
                state.offset += size
                if state.offset == bytes.count {
                    state.offset = 0
                    state.index += 1
                }
                return .bytes(chunk)
            case .silence(let length):
                let left = state.silenceLeft ?? length
                let step = min(left, timeout)
                state.now += step
                if left - step <= .zero {
                    state.silenceLeft = nil
                    state.index += 1
                } else {
                    state.silenceLeft = left - step
                }
                return .idle
            case .unplug:
                state.index += 1
                state.present = false
                state.open = false
                return .unplugged
            case .manager, .absent, .plug:
                return .idle
            }
        }
        switch outcome {
        case .bytes(let bytes): return bytes
        case .unplugged: throw DeviceError(.disconnected, "scripted unplug")
        case .idle:
            // Nothing scripted to arrive yet: a real device would keep the read blocked for a while.
            Thread.sleep(forTimeInterval: 0.002)
            return []
        }
    }

    func send(_ bytes: [UInt8], timeout: Duration) throws(DeviceError) {
        let failure: String? = state.withLock { state in
            guard state.open else { return nil }
            // The manager speaking ends a silence early (its timer fired within it).
            if state.index < steps.count, case .silence = steps[state.index].step {
                state.index += 1
                state.silenceLeft = nil
            }
            let expected = state.index < steps.count ? steps[state.index] : nil
            guard let expected, case .manager(let wanted) = expected.step, wanted == bytes else {
                let line = expected.map { "line \($0.line) (\($0.step))" } ?? "the end of the script"
                let text = "\(name): manager sent \(Hex.string(bytes, separator: " ")) at \(line)"
                state.failures.append(text)
                return text
            }
            state.index += 1
            return nil
        }
        if let failure { throw DeviceError(.write, failure) }
    }

    func close() {
        state.withLock { $0.open = false }
    }
}
