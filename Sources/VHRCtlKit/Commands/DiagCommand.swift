import Dispatch
import Foundation
import Synchronization
import VHRCore
import VHRServices

/// `vhrctl diag [--seconds N]`: the room's self-test, run by vhrd (technician role), printed as
/// one line per check with its fix. `vhrctl diag --direct [--config FILE | --simulate] ...` runs
/// the same checks in this process with vhrd stopped, opening the devices itself.
///
/// Exit status: 0 when every check passed or only warned, 1 when any check failed; the shared
/// statuses (2 usage or --direct while vhrd runs, 3 vhrd unreachable, 4 not a technician) mean
/// no report was made. docs/diag.md.
enum DiagCommand {
    /// vhrd's options that `--direct` takes, with whether each has a value.
    static let directOptions: [(name: String, takesValue: Bool)] = [
        ("--config", true), ("--simulate", false), ("--state-dir", true), ("--profiles-dir", true),
        ("--upload-url", true), ("--upload-token-file", true), ("--upload-ca-file", true), ("--sim-source", true),
        ("--sim-seed", true), ("--sim-fault", true), ("--sim-fault-rate", true), ("--sim-time-scale", true),
    ]

    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        let seconds = try seconds(try reader.option("--seconds"))
        let direct = reader.flag("--direct")
        var daemonArguments: [String] = []
        for (name, takesValue) in directOptions {
            if takesValue {
                if let value = try reader.option(name) { daemonArguments += [name, value] }
            } else if reader.flag(name) {
                daemonArguments.append(name)
            }
        }
        try reader.finish()
        let report: DiagnosticsReport
        if direct {
            report = try runDirect(daemonArguments, seconds: seconds)
        } else {
            guard daemonArguments.isEmpty else {
                throw CommandFailure(
                    .usage, "\(daemonArguments[0]) is for 'vhrctl diag --direct'; the running vhrd uses its own")
            }
            report = try ask(context, seconds: seconds)
        }
        if context.json {
            Output.json(report.json)
        } else {
            for line in report.lines { Output.line(line) }
        }
        if report.status == .failure {
            throw CommandFailure(.failed, "the self-test found \(report.count(.failure)) failure(s)")
        }
    }

    private static func seconds(_ text: String?) throws(CommandFailure) -> Double {
        guard let text else { return Diagnostics.defaultSeconds }
        guard let value = Double(text), value > 0, value <= Diagnostics.maximumSeconds else {
            throw CommandFailure(
                .usage, "--seconds needs a number above 0 and at most \(Int(Diagnostics.maximumSeconds))")
        }
        return value
    }

    private static func ask(_ context: CommandContext, seconds: Double) throws(CommandFailure) -> DiagnosticsReport {
        let client: ControlClient
        do {
            client = try context.connect()
        } catch  where error.exitCode == .unreachable {
            throw CommandFailure(
                .unreachable, error.message,
                hint: "start vhrd (systemctl start vhrd), or run 'vhrctl diag --direct' to test the devices without it")
        }
        let result = try client.call("diag", ["seconds": .double(seconds)])
        do {
            return try DiagnosticsReport(json: result)
        } catch {
            throw CommandFailure(.protocolError, error.description)
        }
    }

    private static func runDirect(_ arguments: [String], seconds: Double) throws(CommandFailure) -> DiagnosticsReport {
        let options: DaemonOptions
        do {
            guard case .run(let parsed) = try DaemonOptions.parse(arguments) else {
                throw CommandFailure(.usage, "--direct needs vhrd's options, not --help or --version")
            }
            options = parsed
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(.usage, "--direct: \(error)")
        }
        let environment = ProcessInfo.processInfo.environment
        let outcome = Mutex<Result<DiagnosticsReport, DiagnosticsRefusal>?>(nil)
        let done = DispatchSemaphore(value: 0)
        // vhrctl's commands are synchronous; the checks are async, so they run in a task while
        // this (main, not pooled) thread waits.
        Task.detached {
            let result: Result<DiagnosticsReport, DiagnosticsRefusal>
            do throws(DiagnosticsRefusal) {
                result = .success(
                    try await Diagnostics.direct(options: options, environment: environment, seconds: seconds))
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        switch outcome.withLock({ $0 }) {
        case .success(let report)?:
            return report
        case .failure(let refusal)?:
            // No report was made: 2, as docs/diag.md promises, never 1 ("a check failed").
            throw CommandFailure(.usage, refusal.message, hint: refusal.hint)
        case nil:
            throw CommandFailure(.failed, "the self-test did not finish")
        }
    }
}
