import Foundation
import VHRCore
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `vhrctl`: the technician's and scripts' command line to a running vhrd.
public enum VHRCtl {
    public static let usage = """
        usage: vhrctl [--runtime-dir DIR] [--json] COMMAND

        Commands:
          status                                  the room at a glance
          devices                                 the room's devices and their state
          visit start --visit ID --patient ID     start a visit (kiosk)
          visit end [--visit ID]                  end the visit and reset the room (kiosk)
          measure bp [--device ID]                measure blood pressure, showing live cuff pressure
          measure abort [--device ID]             stop a measurement and deflate the cuff
          readings                                live cuff state and this visit's results
          listen [--format wav|raw] [--seconds N] [--output FILE]
                                                  stethoscope audio (vhrctl listen | aplay)
          events [--class readings,room] [--count N]
                                                  live events as they happen
          queue                                   measurements waiting for upload, held ones and why
          queue retry [ID]                        queue a held measurement again, or all of them (technician)
          queue export                            every held measurement whole, with its reason, as JSON (technician)
          hardware                                what is plugged in and which profile matches it (technician)
          profiles list [--profiles-dir D]        the device profiles and what each matches
          profiles generate-udev DIR [--profiles-dir D]
                                                  write the udev rules, hwdb and local-rules example (udev/)
          diag [--seconds N]                      the room's self-test with a fix per problem (technician; docs/diag.md)
          diag --direct [--config FILE | --simulate] [vhrd options]
                                                  the same with vhrd stopped, opening the devices itself
          simulate fault --device ID --fault NAME inject a fault into a simulated cuff (technician)
          decode 11073 [--config FILE] HEX...|-   decode a captured IEEE 11073 APDU locally (docs/decode.md)
          decode suntech|omron HEX...|-         decode a captured SunTech or Omron frame locally

        Options:
          --runtime-dir DIR   where vhrd's sockets are (default $VHR_RUNTIME_DIR, then /run/vhr)
          --json              machine-readable output (one JSON object, or one per line for events)

        Exit status: 0 ok, 1 refused or failed, 2 usage, 3 vhrd unreachable, 4 not allowed,
        5 protocol or stream error (docs/vhrctl.md).
        """

    /// Runs one command; returns the exit status.
    public static func main(arguments: [String], environment: [String: String]) -> Int32 {
        // A reader that goes away (aplay quitting, `| head`) ends the command; it is not an error.
        signal(SIGPIPE, SIG_IGN)
        var reader = ArgumentReader(arguments)
        do throws(CommandFailure) {
            if reader.flag("--help", "-h") || reader.isEmpty {
                print(usage)
                return reader.isEmpty && arguments.isEmpty ? ExitCode.usage.rawValue : ExitCode.ok.rawValue
            }
            let json = reader.flag("--json")
            let runtimeDirectory =
                try reader.option("--runtime-dir") ?? environment["VHR_RUNTIME_DIR"] ?? "/run/vhr"
            let context = CommandContext(runtimeDirectory: runtimeDirectory, json: json)
            guard let command = reader.nextWord() else { throw CommandFailure(.usage, "no command given") }
            switch command {
            case "status": try StatusCommand.run(&reader, context)
            case "devices": try DevicesCommand.run(&reader, context)
            case "visit": try VisitCommand.run(&reader, context)
            case "measure": try MeasureCommand.run(&reader, context)
            case "readings": try ReadingsCommand.run(&reader, context)
            case "listen": try ListenCommand.run(&reader, context)
            case "events": try EventsCommand.run(&reader, context)
            case "queue": try QueueCommand.run(&reader, context)
            case "hardware": try HardwareCommand.run(&reader, context)
            case "simulate": try SimulateCommand.run(&reader, context)
            case "diag": try DiagCommand.run(&reader, context)
            case "decode": try DecodeCommand.run(&reader, context)
            case "profiles": try ProfilesCommand.run(&reader, context)
            default: throw CommandFailure(.usage, "unknown command '\(command)'")
            }
            return ExitCode.ok.rawValue
        } catch {
            Output.error("vhrctl: \(error)")
            if error.exitCode == .usage { Output.error("run 'vhrctl --help' for the commands") }
            return error.exitCode.rawValue
        }
    }
}

/// What every command needs to know.
struct CommandContext {
    var runtimeDirectory: String
    var json: Bool

    var controlSocket: String { runtimeDirectory + "/control.sock" }
    var streamSocket: String { runtimeDirectory + "/stream.sock" }

    func connect() throws(CommandFailure) -> ControlClient {
        try ControlClient(socketPath: controlSocket)
    }
}
