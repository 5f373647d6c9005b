import Foundation
import VHRCore

/// `vhrctl events`: live events as they happen.
enum EventsCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        let classes = try reader.option("--class")?.split(separator: ",").map { JSONValue.string(String($0)) }
        let countText = try reader.option("--count")
        try reader.finish()
        var remaining: Int?
        if let countText {
            guard let count = Int(countText), count > 0 else {
                throw CommandFailure(.usage, "--count needs a positive number")
            }
            remaining = count
        }
        let client = try context.connect()
        let subscribed = try client.call("events.subscribe", classes.map { ["classes": .array($0)] } ?? [:])
        if !context.json {
            Output.error(
                "following "
                    + (subscribed["subscribed"]?.arrayValue ?? []).compactMap(\.stringValue)
                    .joined(separator: ", ") + " events; Ctrl-C stops")
        }
        while remaining.map({ $0 > 0 }) ?? true {
            let event = try client.nextEvent()
            if context.json {
                Output.line(event.jsonLine())
            } else {
                let fields = event.fields.sorted { $0.key < $1.key }.map { key, value in
                    "\(key)=\(value.stringValue ?? value.jsonLine())"
                }
                Output.line(
                    ([Date().formatted(.iso8601.time(includingFractionalSeconds: false)), event.name] + fields)
                        .joined(separator: " "))
            }
            remaining = remaining.map { $0 - 1 }
        }
    }
}
