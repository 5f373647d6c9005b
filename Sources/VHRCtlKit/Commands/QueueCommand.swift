import VHRCore

/// `vhrctl queue`: the store-and-forward outbox: what waits, for how long, and what is held and why.
/// `vhrctl queue retry [ID]` puts one held measurement, or all of them, back in the queue;
/// `vhrctl queue export` prints every held measurement whole, with its reason, as JSON.
enum QueueCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        switch reader.nextWord() {
        case nil:
            try reader.finish()
            try show(context)
        case "retry":
            let id = reader.nextWord()
            try reader.finish()
            let result = try context.connect().call("queue.retry", id.map { ["id": .string($0)] } ?? [:])
            if context.json { return Output.json(result) }
            let released = result["released"]?.arrayValue?.compactMap(\.stringValue) ?? []
            Output.line(released.isEmpty ? "no held measurement" : "queued again: " + released.joined(separator: ", "))
        case "export":
            try reader.finish()
            // Always JSON: it is for handing the held measurements on, not for reading on screen.
            Output.json(try context.connect().call("queue.export"))
        case let other?:
            throw CommandFailure(
                .usage,
                "unknown queue command '\(other)'; use 'vhrctl queue', 'vhrctl queue retry [ID]' or 'vhrctl queue export'"
            )
        }
    }

    private static func show(_ context: CommandContext) throws(CommandFailure) {
        let queue = try context.connect().call("queue")
        if context.json { return Output.json(queue) }
        let oldest = queue["oldest_unsent_age_s"]?.intValue.map { Format.duration(seconds: $0) } ?? "none"
        Output.line("pending   \(queue["pending"]?.intValue ?? 0)")
        Output.line("held      \(queue["held"]?.intValue ?? 0)")
        Output.line("delivered \(queue["delivered"]?.intValue ?? 0)")
        Output.line("oldest unsent \(oldest)")
        for item in queue["held_items"]?.arrayValue ?? [] {
            Output.line("held \(item["id"]?.stringValue ?? "?"): \(item["reason"]?.stringValue ?? "?")")
        }
    }
}
