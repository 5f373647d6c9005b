import VHRCore

/// `vhrctl simulate fault`: fault injection on a simulated cuff, for technicians and tests.
enum SimulateCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        guard reader.nextWord() == "fault" else { throw CommandFailure(.usage, "simulate needs 'fault'") }
        guard let device = try reader.option("--device"), let fault = try reader.option("--fault") else {
            throw CommandFailure(.usage, "simulate fault needs --device ID and --fault NAME (or none)")
        }
        try reader.finish()
        let result = try context.connect().call("simulate.fault", ["device": .string(device), "fault": .string(fault)])
        if context.json { return Output.json(result) }
        Output.line("\(device): next measurements will fail with \(fault)")
    }
}
