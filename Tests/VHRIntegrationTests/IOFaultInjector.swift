import Foundation
import Testing

/// libfiu driving I/O faults inside a real vhrd: `fiu-run -x` preloads its POSIX wrappers into
/// the daemon and opens a remote-control FIFO, `fiu-ctrl` raises and clears faults at run time.
///
/// fiu-run execs vhrd, so the daemon keeps the wrapper's process id; the FIFOs live in a private
/// directory removed with the injector.
final class IOFaultInjector {
    let fiuRun: URL
    let fiuCtrl: URL
    /// The FIFOs' base name: libfiu appends `-PID.in` and `-PID.out`.
    let fifoPrefix: String
    private let directory: URL
    /// Faults raised so far, for the test's summary.
    private(set) var injected = 0

    /// Finds fiu-run, fiu-ctrl and the POSIX preload library, or fails naming the package.
    init() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        func tool(_ name: String) throws -> URL {
            for folder in path + ["/usr/bin"] {
                let url = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
            // Loud, never a skip: without libfiu these tests prove nothing.
            throw IntegrationError("no \(name) in PATH: install the Debian packages fiu-utils and libfiu0")
        }
        fiuRun = try tool("fiu-run")
        fiuCtrl = try tool("fiu-ctrl")
        let preload = "/usr/lib/fiu/fiu_posix_preload.so"
        guard FileManager.default.fileExists(atPath: preload) else {
            throw IntegrationError("no \(preload): install the Debian packages fiu-utils and libfiu0")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-fiu-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        fifoPrefix = directory.appendingPathComponent("fiu").path
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The `wrapper:` for RoomProcess: fiu-run with the POSIX wrappers and remote control, and
    /// `faults` raised before vhrd's first instruction.
    func wrapper(raising faults: [IOFault] = []) -> [String] {
        [fiuRun.path, "-x", "-f", fifoPrefix] + faults.flatMap { ["-c", $0.enableCommand] } + ["--"]
    }

    /// A simulated room whose vhrd runs under libfiu; `previous` hands on its directories.
    func room(
        _ arguments: [String], raising faults: [IOFault] = [], after previous: RoomProcess? = nil
    ) async throws -> RoomProcess {
        let room: RoomProcess
        if let previous {
            room = try await RoomProcess.restart(of: previous, arguments: arguments, wrapper: wrapper(raising: faults))
        } else {
            room = try await RoomProcess(arguments: arguments, wrapper: wrapper(raising: faults))
        }
        room.signalVHRDDirectly()
        injected += faults.count
        try #require(
            FileManager.default.fileExists(atPath: "\(fifoPrefix)-\(room.vhrdPID).in"),
            "fiu-run gave vhrd (pid \(room.vhrdPID)) no remote-control FIFO")
        return room
    }

    /// Raises `fault` in the running vhrd.
    func raise(_ fault: IOFault, in room: RoomProcess) async throws {
        try await control(fault.enableCommand, room)
        injected += 1
    }

    /// Clears `fault` in the running vhrd.
    func clear(_ fault: IOFault, in room: RoomProcess) async throws {
        try await control(fault.disableCommand, room)
    }

    private func control(_ command: String, _ room: RoomProcess) async throws {
        let pid = room.vhrdPID
        let result = try await RoomProcess.run(fiuCtrl, ["-f", fifoPrefix, "-c", command, String(pid)])
        // fiu-ctrl exits 0 even when libfiu refused the command; it says so on stdout.
        let said = String(decoding: result.stdout, as: UTF8.self) + result.stderr
        guard result.status == 0, said.isEmpty else {
            throw IntegrationError("fiu-ctrl '\(command)' for vhrd \(pid) failed (\(result.status)): \(said)")
        }
    }
}
