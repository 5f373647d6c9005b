import VHRCore

/// `vhrctl readings`: the cuffs' live state and this visit's results.
enum ReadingsCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        try reader.finish()
        let result = try context.connect().call("readings")
        if context.json { return Output.json(result) }
        Output.line("visit \(result["visit"]?.stringValue ?? "none")")
        for cuff in result["cuffs"]?.arrayValue ?? [] {
            let pressure = cuff["pressure"]?.doubleValue.map { " \(Int($0.rounded())) mmHg" } ?? ""
            Output.line("\(cuff["device"]?.stringValue ?? "?"): \(cuff["phase"]?.stringValue ?? "?")\(pressure)")
        }
        if let quality = result["stethoscope"], quality != .null {
            let rate = quality["heart_rate_bpm"]?.intValue.map { "\($0) bpm" } ?? "no clear heart rate"
            let contact = quality["contact"]?.boolValue == true ? "contact" : "no contact"
            let level = quality["level_dbfs"]?.doubleValue.map { "\($0) dBFS" } ?? "?"
            Output.line("\(quality["device"]?.stringValue ?? "stethoscope"): \(contact), level \(level), \(rate)")
        }
        for measurement in result["measurements"]?.arrayValue ?? [] {
            Output.line("\(measurement["measured_at"]?.stringValue ?? "?")  \(Format.bloodPressure(measurement))")
        }
    }
}
