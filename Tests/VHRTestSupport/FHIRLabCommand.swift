import Foundation
import Glibc

/// Runs a program to completion with a deadline, its output captured in files (a pipe the child
/// fills while nobody reads it would block it), waiting with `Task.sleep` so no thread of the
/// cooperative pool is held while it runs.
enum FHIRLabCommand {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data

        var text: String { String(decoding: stdout, as: UTF8.self) + String(decoding: stderr, as: UTF8.self) }
    }

    static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, timeout: Duration = .seconds(120)
    ) async throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vhr-fhirlab-\(UUID().uuidString)")
        let outURL = scratch.appendingPathExtension("out")
        let errURL = scratch.appendingPathExtension("err")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
            FileManager.default.createFile(atPath: errURL.path, contents: nil)
        else { throw FHIRLabError("cannot create output files in \(FileManager.default.temporaryDirectory.path)") }
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        defer { try? outHandle.close() }
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? errHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            throw FHIRLabError("cannot start \(executable): \(error)")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause = Duration.milliseconds(2)
        while process.isRunning {
            if clock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw FHIRLabError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
        return Output(
            status: process.terminationStatus, stdout: (try? Data(contentsOf: outURL)) ?? Data(),
            stderr: (try? Data(contentsOf: errURL)) ?? Data())
    }
}
