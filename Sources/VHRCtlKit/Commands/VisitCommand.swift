import VHRCore

/// `vhrctl visit start|end`.
enum VisitCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        switch reader.nextWord() {
        case "start":
            guard let visit = try reader.option("--visit"), let patient = try reader.option("--patient") else {
                throw CommandFailure(.usage, "visit start needs --visit ID and --patient ID")
            }
            try reader.finish()
            let result = try context.connect().call(
                "visit.start", ["visit": .string(visit), "patient": .string(patient)])
            // The patient identifier is not echoed: terminals and scripts log what they print.
            if context.json { return Output.json(result) }
            Output.line("visit \(result["visit"]?.stringValue ?? visit) started")
        case "end":
            let visit = try reader.option("--visit")
            try reader.finish()
            let result = try context.connect().call("visit.end", visit.map { ["visit": .string($0)] } ?? [:])
            if context.json { return Output.json(result) }
            Output.line(
                "visit \(result["visit"]?.stringValue ?? "?") ended with "
                    + "\(result["measurements"]?.intValue ?? 0) measurement(s); the room is reset")
        case let other:
            throw CommandFailure(.usage, other.map { "unknown visit command '\($0)'" } ?? "visit needs start or end")
        }
    }
}
