import Foundation
import VHRCore

/// `vhrctl measure bp|abort`.
enum MeasureCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        switch reader.nextWord() {
        case "bp":
            let device = try reader.option("--device")
            try reader.finish()
            try measure(device: device, context)
        case "abort":
            let device = try reader.option("--device")
            try reader.finish()
            let result = try context.connect().call("measure.abort", device.map { ["device": .string($0)] } ?? [:])
            if context.json { return Output.json(result) }
            Output.line("measurement on \(result["device"]?.stringValue ?? "?") stopped")
        case let other:
            throw CommandFailure(.usage, other.map { "unknown measure command '\($0)'" } ?? "measure needs bp or abort")
        }
    }

    private static func measure(device: String?, _ context: CommandContext) throws(CommandFailure) {
        let client = try context.connect()
        if !context.json {
            _ = try client.call("events.subscribe", ["classes": ["readings"]])
        }
        var lastPhase = ""
        var lastLogged = -Double.infinity
        let result: JSONValue
        do {
            result = try client.call("measure.bp", device.map { ["device": .string($0)] } ?? [:]) { event in
                guard event.name == "bp.pressure", let pressure = event.fields["pressure"]?.doubleValue else {
                    return
                }
                let phase = event.fields["phase"]?.stringValue ?? ""
                let text = "\(phase.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Int(pressure.rounded())) mmHg"
                // On a terminal the pressure updates in place; in a log, a line per phase and
                // then one every two seconds of the cuff's time.
                let elapsed = event.fields["elapsed"]?.doubleValue ?? 0
                let log = phase != lastPhase || elapsed - lastLogged >= 2
                Output.progress(text, always: log)
                if log { lastLogged = elapsed }
                lastPhase = phase
            }
        } catch {
            Output.endProgress()
            throw CommandFailure(error.exitCode, "measurement failed: \(error.message)", hint: error.hint)
        }
        Output.endProgress()
        if context.json { return Output.json(result) }
        let measurement = result["measurement"] ?? .null
        Output.line(Format.bloodPressure(measurement))
        Output.line(
            "saved as \(measurement["id"]?.stringValue ?? "?") in visit \(measurement["visit"]?.stringValue ?? "?")")
    }
}
