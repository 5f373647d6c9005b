import Foundation
import Glibc
import Synchronization
import VHRCore
import VHRSystem

/// The frames of `Tests/Fixtures/bp/suntech-advantage.json`, by vector id.
enum SunTechFixture {
    static let frames: [String: [UInt8]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/bp/suntech-advantage.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let vectors = root["vectors"] as? [[String: Any]]
        else { fatalError("cannot read \(url.path)") }
        var frames: [String: [UInt8]] = [:]
        for vector in vectors {
            guard let id = vector["id"] as? String, let hex = vector["hex"] as? String else { continue }
            frames[id] = hex.split(separator: " ").map { UInt8($0, radix: 16)! }
        }
        return frames
    }()

    static func frame(_ id: String) -> [UInt8] {
        guard let frame = frames[id] else { fatalError("no vector \(id) in suntech-advantage.json") }
        return frame
    }

    /// The fixture's result frame (115/74, MAP 88, HR 85) with another error code and its checksum.
    static func result(errorCode: UInt8) -> [UInt8] {
        var bytes = frame("suntech.resp.bp_data")
        bytes[20] = errorCode
        bytes[23] = SunTechChecksum.value(for: bytes[0..<23])
        return bytes
    }

    /// A cuff-pressure answer, the fixture's own for 258 mmHg.
    static func pressure(_ mmHg: Int) -> [UInt8] {
        if mmHg == 258 { return frame("suntech.resp.cuff_pressure") }
        return try! SunTechFrame(payload: [UInt8(mmHg & 0xFF), UInt8(mmHg >> 8)]).bytes
    }

    static func acknowledgement(_ answer: SunTechAcknowledgement) -> [UInt8] {
        if answer == .completed { return frame("suntech.resp.ack_K") }
        return try! SunTechFrame(payload: [answer.rawValue]).bytes
    }
}

/// A SunTech Advantage module at the far end of a pty, answering the host's commands from a
/// script. The port's path is a symlink that ``unplug()`` removes and ``plugIn()`` points at a
/// fresh pty, as udev's `/dev/vhr/…` link would follow a replugged adapter.
final class FakeSunTechModule: Sendable {
    /// How the module behaves.
    struct Script: Sendable {
        /// The answer to a start command; later starts get 'O'. `nil`: the module is silent.
        var startAnswers: [SunTechAcknowledgement?] = [.received]
        /// The cuff pressures answered to successive polls; after the last, polls get `end`.
        var pressures: [Int] = [30, 90, 160, 220, 258, 240, 200, 160, 120, 90, 60]
        /// Repeat the pressures forever (the measurement never ends by itself).
        var endless = false
        /// What ends the measurement: 'K' (done) or 'E' (failed).
        var end: SunTechAcknowledgement = .completed
        /// The answer to get-result.
        var result: [UInt8] = SunTechFixture.frame("suntech.resp.bp_data")
        /// Stop answering anything after this many polls.
        var silentAfterPolls: Int?
        /// Unplug after this many polls (the reply to that poll is not sent).
        var unplugAfterPolls: Int?
        /// Bytes sent before every reply: noise on the line.
        var garbage: [UInt8] = []
        /// How replies are cut into writes: nil whole, else sizes drawn from this seed (1 for
        /// byte by byte is `splitSizes: 1...1`).
        var splitSizes: ClosedRange<Int>?
        var seed: UInt64 = 1
    }

    let path: String
    private let directory: String
    private let state: Mutex<State>
    private let stopFlag = Atomic<Bool>(false)
    private let thread = Mutex<DedicatedThread?>(nil)

    private struct State {
        var script: Script
        var controller: FileDescriptor?
        var received: [SunTechCommand] = []
        var unparsed: [UInt8] = []
        var polls = 0
        var startsAnswered = 0
        var random: SeededRandom
    }

    init(script: Script = Script(), plugged: Bool = true) throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("vhr-suntech-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/ttySUNTECH"
        state = Mutex(State(script: script, random: SeededRandom(seed: script.seed)))
        if plugged { try plugIn() }
        let thread = try DedicatedThread(name: "fake-suntech") { [self] in self.serve() }
        self.thread.withLock { $0 = thread }
    }

    /// The commands the host sent, in order.
    var received: [SunTechCommand] { state.withLock { $0.received } }

    func update(_ change: (inout Script) -> Void) {
        state.withLock { change(&$0.script) }
    }

    /// A new pty behind `path` (atomically replacing the link).
    func plugIn() throws {
        let pty = try PseudoTerminal.open()
        let temporary = directory + "/link-\(UUID().uuidString)"
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: pty.terminalPath)
        guard rename(temporary, path) == 0 else { throw Errno(rawValue: errno) }
        state.withLock { state in
            state.controller?.closeIgnoringErrors()
            state.controller = pty.controller
            state.unparsed = []
        }
    }

    /// Closes the pty (the host sees a hang-up) and removes the link (reopening finds nothing).
    func unplug() {
        unlink(path)
        state.withLock { $0.controller.take() }?.closeIgnoringErrors()
    }

    func shutDown() {
        stopFlag.store(true, ordering: .relaxed)
        thread.withLock { $0.take() }?.join()
        unplug()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - The module

    private func serve() {
        while !stopFlag.load(ordering: .relaxed) {
            guard let controller = state.withLock({ $0.controller }) else {
                usleep(5000)
                continue
            }
            var descriptor = pollfd(fd: controller.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 10) > 0 else { continue }
            var bytes = [UInt8](repeating: 0, count: 256)
            let count = Glibc.read(controller.rawValue, &bytes, bytes.count)
            // EIO: the host closed its end; wait for it to open again.
            guard count > 0 else {
                usleep(5000)
                continue
            }
            let replies = state.withLock { state in handle(Array(bytes[0..<count]), &state) }
            for reply in replies { send(reply, on: controller) }
        }
    }

    private func handle(_ bytes: [UInt8], _ state: inout State) -> [[UInt8]] {
        state.unparsed += bytes
        var replies: [[UInt8]] = []
        while let length = Self.hostFrameLength(state.unparsed), state.unparsed.count >= length {
            let frame = Array(state.unparsed[0..<length])
            state.unparsed.removeFirst(length)
            guard let command = try? SunTechCommand(frame: frame) else { continue }
            state.received.append(command)
            if let reply = answer(command, &state) { replies.append(reply) }
        }
        return replies
    }

    private func answer(_ command: SunTechCommand, _ state: inout State) -> [UInt8]? {
        let script = state.script
        if let silent = script.silentAfterPolls, state.polls >= silent { return nil }
        switch command {
        case .startAdult, .startPediatric, .startNeonate:
            let index = state.startsAnswered
            state.startsAnswered += 1
            let answer = index < script.startAnswers.count ? script.startAnswers[index] : .received
            state.polls = 0
            return answer.map(SunTechFixture.acknowledgement)
        case .getCuffPressure:
            state.polls += 1
            if let unplug = script.unplugAfterPolls, state.polls >= unplug {
                unlink(path)
                state.controller.take()?.closeIgnoringErrors()
                return nil
            }
            let index = state.polls - 1
            if script.endless { return SunTechFixture.pressure(script.pressures[index % script.pressures.count]) }
            return index < script.pressures.count
                ? SunTechFixture.pressure(script.pressures[index]) : SunTechFixture.acknowledgement(script.end)
        case .getResult:
            return script.result
        case .abort:
            return SunTechFixture.acknowledgement(.aborted)
        case .setInitialInflate:
            return SunTechFixture.acknowledgement(.received)
        default:
            return SunTechFixture.acknowledgement(.unrecognized)
        }
    }

    private func send(_ reply: [UInt8], on controller: FileDescriptor) {
        let (garbage, sizes) = state.withLock { state -> ([UInt8], ClosedRange<Int>?) in
            (state.script.garbage, state.script.splitSizes)
        }
        let bytes = garbage + reply
        guard let sizes else {
            try? controller.writeAll(bytes)
            return
        }
        var offset = 0
        while offset < bytes.count {
            let size = state.withLock { state in Int.random(in: sizes, using: &state.random) }
            let end = min(bytes.count, offset + size)
            try? controller.writeAll(Array(bytes[offset..<end]))
            offset = end
            // Let the host see the pieces separately.
            usleep(300)
        }
    }

    /// Host frames carry no length: it follows from the command byte.
    private static func hostFrameLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        switch bytes[1] {
        case 0x79, 0x17: return 5
        case 0x0C: return 6
        default: return 3
        }
    }
}
