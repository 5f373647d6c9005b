import Foundation
import Glibc

/// A long-lived child of the tests (vhrd, its wrapper, a socket activator) together with every
/// process it starts. Foundation's `Process` puts each child in a process group of its own, so
/// the group holds a vhrd forked by umockdev-run, the vhrd that setpriv or fiu-run exec, and what
/// vhrd leaves behind (the Swift runtime's swift-backtrace after a crash); signalling the group
/// reaches them all.
///
/// Liveness is read from /proc, not from `Process.isRunning`: Foundation learns of an exit only
/// when every holder of the child's end of a socket pair has closed it, so a grandchild (or a
/// process another test spawned at the same moment, which inherits it) keeps `isRunning` true
/// after the child died, and a wrapper that exits reports the group gone while its vhrd runs on.
struct ProcessGroup {
    /// The group's id: the process id of the child it was started with.
    let id: pid_t

    /// setpriv(1), which makes the kernel SIGKILL what it execs when the thread that started it
    /// ends, and with it this test process: a crash, or an exit with a room still open, cannot
    /// leave a daemon behind.
    static let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")

    /// setpriv's arguments to run `command` (program and arguments) so; `options` are further
    /// setpriv options, such as `--reuid`.
    static func dyingWithParent(_ command: [String], options: [String] = []) -> [String] {
        ["--pdeathsig", "KILL"] + options + ["--"] + command
    }

    /// Starts `process` (setpriv with ``dyingWithParent(_:options:)``) on the launcher thread:
    /// PR_SET_PDEATHSIG follows the spawning *thread*, and the cooperative pool's threads come and
    /// go, which would kill the child in mid-test.
    static func launch(_ process: Process) throws -> ProcessGroup {
        try LauncherThread.shared.perform { try process.run() }
        return ProcessGroup(id: process.processIdentifier)
    }

    /// The group's processes that are still alive (zombies, which only wait to be reaped, excluded).
    var livingMembers: [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 3 && fields[0] != "Z" && fields[0] != "X" && pid_t(fields[2]) == id
        }
    }

    var isAlive: Bool { !livingMembers.isEmpty }

    /// Sends `signal` to every process of the group.
    func signal(_ signal: Int32) { _ = killpg(id, signal) }

    /// Ends the group: SIGTERM, up to `grace` for it to go, then SIGKILL and up to 5 s more.
    /// Blocks the calling thread, for `deinit`; bounded, unlike `Process.waitUntilExit`.
    /// - Returns: whether the group is gone.
    @discardableResult
    func end(grace: TimeInterval = 10) -> Bool {
        guard isAlive else { return true }
        signal(SIGTERM)
        if waitUntilGone(timeout: grace) { return true }
        signal(SIGKILL)
        return waitUntilGone(timeout: 5)
    }

    private func waitUntilGone(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isAlive {
            guard Date() < deadline else { return false }
            usleep(20_000)
        }
        return true
    }
}

/// The one thread that starts the tests' long-lived children. It never ends, so a parent-death
/// signal tied to it fires only when this test process ends.
private final class LauncherThread: @unchecked Sendable {
    // @unchecked: `jobs` is only touched with `condition` locked.
    static let shared = LauncherThread()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in serve() }
        thread.name = "vhr-it-launcher"
        thread.start()
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on the launcher thread and waits for it (a spawn takes milliseconds).
    func perform(_ body: @escaping () throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = UncheckedBox<Result<Void, any Error>>(.success(()))
        let work = UncheckedBox(body)
        condition.lock()
        jobs.append {
            outcome.value = Result { try work.value() }
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        try outcome.value.get()
    }
}

/// Hands a value to the launcher thread and back; the semaphore orders the accesses.
private final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
