import Foundation
import Testing

/// Runs one "child probe" test of this very test binary inside `umockdev-run`, so that libusb
/// and libserialport see a hand-written fake device instead of the host's hardware.
///
/// umockdev works by `LD_PRELOAD`, which must be in place before the process starts, and its
/// fake `/sys` and `/dev` are process-wide; hence a child process rather than an in-process
/// testbed. The child test finds the output path in ``outputVariable``, writes what our wrapper
/// listed as JSON, and the parent test checks it. Shared by the VHRSystem and VHRDevices tests.
public enum UmockdevRun {
    /// The environment variable that tells a child probe where to write its JSON.
    public static let outputVariable = "VHR_UMOCKDEV_CHILD"

    /// The output path when this process is a child probe, else `nil`.
    public static var childOutputPath: String? { ProcessInfo.processInfo.environment[outputVariable] }

    /// A device description in `Tests/Fixtures/umockdev/`.
    public static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/umockdev/\(name)").path
    }

    /// Runs `umockdev-run --device FIXTURE [UMOCKDEV_ARGUMENTS] -- THIS_BINARY --testing-library
    /// swift-testing --filter PROBE` and returns what the probe wrote.
    ///
    /// `umockdevArguments` adds recordings (`--ioctl /dev/bus/usb/001/007=FILE`, `--pcap SYSFS=FILE`);
    /// `environment` is added to the child's, to tell a probe which scenario to run.
    ///
    /// - Throws: `UmockdevRunError` when `umockdev-run` is missing, the child fails or times out,
    ///   or it wrote nothing. Never a skip: these tests exist to run our wrapper on a device.
    public static func runChildProbe(
        _ probe: String, fixture: String, umockdevArguments: [String] = [], environment extra: [String: String] = [:],
        timeout: TimeInterval = 120
    ) async throws -> Data {
        guard FileManager.default.fileExists(atPath: fixture) else {
            throw UmockdevRunError("the fixture \(fixture) is missing")
        }
        let umockdevRun = try executable("umockdev-run")
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-umockdev-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }

        let child = Process()
        child.executableURL = URL(fileURLWithPath: umockdevRun)
        child.arguments =
            ["--device", fixture] + umockdevArguments + [
                "--", testBinary, "--testing-library", "swift-testing", "--filter", probe,
            ]
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        environment[outputVariable] = output.path
        child.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-umockdev-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw UmockdevRunError("cannot create \(log.path) for the child's output")
        }
        defer { try? FileManager.default.removeItem(at: log) }
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        child.standardOutput = logHandle
        child.standardError = logHandle
        try child.run()
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning {
            if Date() > deadline {
                child.terminate()
                child.waitUntilExit()
                throw UmockdevRunError("the child probe \(probe) did not finish within \(Int(timeout)) s")
            }
            // Task.sleep, not Thread.sleep: a blocked thread of the cooperative pool (two on this
            // machine) would stall every other test meanwhile.
            try await Task.sleep(for: .milliseconds(50))
        }
        let childLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard child.terminationStatus == 0 else {
            throw UmockdevRunError(
                "umockdev-run \(probe) exited with status \(child.terminationStatus); it said:\n\(childLog)")
        }
        guard let data = FileManager.default.contents(atPath: output.path), !data.isEmpty else {
            throw UmockdevRunError("the child probe \(probe) wrote nothing (did the filter select it?):\n\(childLog)")
        }
        return data
    }

    /// The full path of a program on `PATH`.
    private static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw UmockdevRunError(
            "\(name) is not installed; install the Debian package umockdev (scripts/install-deps.sh does)")
    }
}

/// A failure to run a child probe under umockdev, saying what to do.
public struct UmockdevRunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
