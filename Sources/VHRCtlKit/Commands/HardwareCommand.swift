import VHRCore

/// `vhrctl hardware`: what is plugged in, and which device profile recognises it (technician).
enum HardwareCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        try reader.finish()
        let result = try context.connect().call("hardware")
        if context.json { return Output.json(result) }
        var rows = [["KIND", "LOCATION", "USB ID", "SERIAL", "NAME", "PROFILE"]]
        var notes: [String] = []
        for item in result["items"]?.arrayValue ?? [] {
            let location = item["location"]?.stringValue ?? "?"
            var usbID = "-"
            if let vendor = item["vendorID"]?.intValue.flatMap(UInt16.init(exactly:)),
                let product = item["productID"]?.intValue.flatMap(UInt16.init(exactly:))
            {
                usbID = DeviceProfile.MatchRule.hex(vendor) + ":" + DeviceProfile.MatchRule.hex(product)
            }
            rows.append([
                item["kind"]?.stringValue ?? "?", location, usbID, item["serialNumber"]?.stringValue ?? "-",
                item["name"]?.stringValue ?? "-", item["matchedProfile"]?.stringValue ?? "-",
            ])
            if let note = item["note"]?.stringValue { notes.append("\(location): \(note)") }
        }
        Format.table(rows).forEach(Output.line)
        if !notes.isEmpty {
            Output.line("")
            notes.forEach(Output.line)
        }
        for problem in result["problems"]?.arrayValue ?? [] {
            Output.error("vhrctl: \(problem.stringValue ?? problem.jsonLine())")
        }
    }
}
