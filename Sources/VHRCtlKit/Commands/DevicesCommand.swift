import VHRCore

/// `vhrctl devices`: the room's devices and their state.
enum DevicesCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        try reader.finish()
        let result = try context.connect().call("devices")
        if context.json { return Output.json(result) }
        var rows = [["ID", "KIND", "STATE", "PROFILE", "MODEL"]]
        for device in result["devices"]?.arrayValue ?? [] {
            var model = device["model"]?.stringValue ?? "?"
            if let rate = device["rate"]?.intValue {
                model += " (\(device["format"]?.stringValue ?? "?") \(rate) Hz)"
            }
            if let error = device["error"]?.stringValue { model += " — \(error)" }
            rows.append([
                device["id"]?.stringValue ?? "?", device["kind"]?.stringValue ?? "?",
                device["state"]?.stringValue ?? "?", device["profile"]?.stringValue ?? "?", model,
            ])
        }
        Format.table(rows).forEach(Output.line)
    }
}
