import Foundation
import Testing

/// A real `vhrd --simulate` in temporary runtime and state directories, driven through the
/// real `vhrctl`, as a newcomer would.
final class RoomProcess {
    let root: URL
    let runtimeDirectory: String
    let stateDirectory: String
    let daemon: Process
    private let stderrPipe = Pipe()
    private let stderrData = LockedData()

    /// The folder holding the built `vhrd` and `vhrctl`: `$VHR_BIN_DIR`, else beside this test binary.
    static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["VHR_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static func executable(_ name: String) throws -> URL {
        let url = binDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            // Loud, never a skip: the integration tests exist to run the real binaries.
            throw IntegrationError(
                "no \(name) at \(url.path); build with 'swift build --build-tests' or set VHR_BIN_DIR")
        }
        return url
    }

    /// Whether this process's deinit removes the directories (a restart hands them on).
    private var ownsRoot = true

    /// A new daemon on the directories of a stopped one.
    static func restart(
        of previous: RoomProcess, arguments: [String] = [], simulate: Bool = true, wrapper: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> RoomProcess {
        previous.ownsRoot = false
        return try await RoomProcess(
            arguments: arguments, reusing: previous.root, simulate: simulate, wrapper: wrapper,
            environment: environment)
    }

    /// - Parameter unprivileged: when the tests run as root, run vhrd as `nobody` through
    ///   setpriv(1), so the daemon is shown to need no privilege; otherwise it already runs as
    ///   an ordinary user.
    /// - Parameters:
    ///   - simulate: pass `--simulate` (the embedded room); false for a room from `--config`.
    ///   - wrapper: a command vhrd runs under, such as `umockdev-run --device X --`.
    ///   - environment: added to vhrd's environment (such as `CREDENTIALS_DIRECTORY`).
    init(
        arguments: [String] = [], reusing existing: URL? = nil, unprivileged: Bool = false, simulate: Bool = true,
        wrapper: [String] = [], environment: [String: String] = [:]
    ) async throws {
        self.root =
            existing
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("vhr-it-\(UUID().uuidString.prefix(8))")
        runtimeDirectory = root.appendingPathComponent("run").path
        stateDirectory = root.appendingPathComponent("state").path
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        daemon = Process()
        let vhrd =
            [try Self.executable("vhrd").path]
            + (simulate ? ["--simulate"] : []) + ["--runtime-dir", runtimeDirectory, "--state-dir", stateDirectory]
            + arguments
        // Every form runs under setpriv, so vhrd dies with this test process whatever happens.
        daemon.executableURL = ProcessGroup.setpriv
        if !wrapper.isEmpty {
            // A wrapper that forks (umockdev-run) gets a parent-death signal of its own for vhrd.
            let forks = wrapper.first.map { URL(fileURLWithPath: $0).lastPathComponent == "umockdev-run" } ?? false
            let inner = forks ? [ProcessGroup.setpriv.path] + ProcessGroup.dyingWithParent(vhrd) : vhrd
            daemon.arguments = ProcessGroup.dyingWithParent(["/usr/bin/env"] + wrapper + inner)
            wrapped = true
        } else if unprivileged && getuid() == 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root.path)
            daemon.arguments = ProcessGroup.dyingWithParent(
                vhrd, options: ["--reuid=65534", "--regid=65534", "--clear-groups"])
        } else {
            daemon.arguments = ProcessGroup.dyingWithParent(vhrd)
        }
        if !environment.isEmpty {
            daemon.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        daemon.standardError = stderrPipe
        daemon.standardOutput = FileHandle.nullDevice
        let sink = stderrData
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in sink.append(handle.availableData) }
        group = try ProcessGroup.launch(daemon)
        do {
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: runtimeDirectory + "/stream.sock") {
                guard daemon.isRunning, Date() < deadline else {
                    throw IntegrationError("vhrd did not come up; it said:\n\(stderr)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        } catch {
            group.end()
            throw error
        }
    }

    /// vhrd with its wrapper and anything it started, to stop them together.
    let group: ProcessGroup

    /// Whether vhrd runs under a wrapper (umockdev-run), which does not pass SIGTERM on.
    private var wrapped = false

    /// SIGTERM to vhrd itself: the process, or under a wrapper the wrapper's children (found in
    /// /proc), after which the wrapper exits with vhrd's status.
    private func terminateDaemon() {
        guard wrapped else { return daemon.terminate() }
        let pid = daemon.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ pid_t($0) }) { kill(child, SIGTERM) }
    }

    /// A test that threw before `stop()` still ends its daemon here. Never
    /// `Process.waitUntilExit()`, which waits forever when Foundation misses the exit.
    deinit {
        if !group.end() { print("vhr-it: could not kill the processes \(group.livingMembers) of vhrd \(group.id)") }
        if ownsRoot { try? FileManager.default.removeItem(at: root) }
    }

    var stderr: String { String(decoding: stderrData.value, as: UTF8.self) }

    /// Stops the daemon with SIGTERM and returns its exit status.
    ///
    /// Whatever of vhrd's process group outlives it (a wrapper's orphan, the swift-backtrace of a
    /// crash, which also holds Foundation's exit notification back) is killed and reported.
    func stop(timeout: TimeInterval = 30) async throws -> Int32 {
        terminateDaemon()
        try await waitForExit(timeout: timeout)
        try await Task.sleep(for: .milliseconds(100))  // let the stderr handler drain
        return daemon.terminationStatus
    }

    /// Waits until vhrd (with its wrapper) has exited and Foundation has seen it, as after a kill.
    ///
    /// Whatever of its process group outlives it (a wrapper's orphan, the swift-backtrace of a
    /// crash, which also holds Foundation's exit notification back) is killed and reported.
    func waitForExit(timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var leaderGoneSince: Date?
        while daemon.isRunning {
            guard Date() < deadline else {
                let left = group.livingMembers
                group.end(grace: 0)
                throw IntegrationError("vhrd did not exit within \(timeout) s; killed its group \(left)")
            }
            // Gone but unreported: a straggler of the group may hold the notification back. (One
            // outside it, another test's child that inherited it, lets go when it exits.)
            let living = group.livingMembers
            if living.isEmpty || living.contains(group.id) {
                leaderGoneSince = nil
            } else if let since = leaderGoneSince, Date().timeIntervalSince(since) > 2 {
                Issue.record("processes \(living) outlived vhrd \(group.id); killed them")
                group.signal(SIGKILL)
                leaderGoneSince = nil
            } else if leaderGoneSince == nil {
                leaderGoneSince = Date()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        if group.isAlive {
            Issue.record("processes \(group.livingMembers) outlived vhrd \(group.id); killed them")
            group.end(grace: 0)
        }
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any]
        }
    }

    /// Runs `vhrctl --runtime-dir <ours> ARGS...` to completion.
    func vhrctl(_ arguments: String...) async throws -> Result {
        try await Self.run(try Self.executable("vhrctl"), ["--runtime-dir", runtimeDirectory] + arguments)
    }

    /// Waits with Task.sleep, never blocking a thread of the cooperative pool (two on this
    /// machine), which would stall every other test meanwhile.
    static func run(_ executable: URL, _ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let outData = LockedData()
        let errData = LockedData()
        out.fileHandleForReading.readabilityHandler = { outData.append($0.availableData) }
        err.fileHandleForReading.readabilityHandler = { errData.append($0.availableData) }
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        outData.append(out.fileHandleForReading.readDataToEndOfFile())
        errData.append(err.fileHandleForReading.readDataToEndOfFile())
        return Result(
            status: process.terminationStatus, stdout: outData.value,
            stderr: String(decoding: errData.value, as: UTF8.self))
    }
}

struct IntegrationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Bytes collected from a pipe's handler thread.
final class LockedData: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

// MARK: - I/O faults

extension RoomProcess {
    /// vhrd's own process id: fiu-run execs vhrd, so under it the wrapper's process is vhrd
    /// itself; under a wrapper that forks (umockdev-run) vhrd is its child.
    var vhrdPID: pid_t {
        let pid = daemon.processIdentifier
        if Self.isVHRD(pid) { return pid }
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").compactMap { pid_t($0) }.first(where: Self.isVHRD) ?? pid
    }

    /// For a wrapper that execs vhrd (fiu-run): signals go to the process itself from now on, as
    /// there is no child to pass them to.
    func signalVHRDDirectly() {
        if Self.isVHRD(daemon.processIdentifier) { wrapped = false }
    }

    private static func isVHRD(_ pid: pid_t) -> Bool {
        let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        return exe.map { URL(fileURLWithPath: $0).lastPathComponent == "vhrd" } ?? false
    }
}
