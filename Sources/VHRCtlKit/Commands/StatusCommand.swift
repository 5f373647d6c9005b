import Foundation
import VHRCore

/// `vhrctl status`: the room at a glance.
enum StatusCommand {
    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        try reader.finish()
        let status = try context.connect().call("status")
        if context.json { return Output.json(status) }
        let uptime = status["uptime_s"]?.intValue ?? 0
        Output.line("room      \(status["room"]?.stringValue ?? "?")")
        Output.line("daemon    \(status["daemon"]?.stringValue ?? "?"), up \(Format.duration(seconds: uptime))")
        if let visit = status["visit"], visit != .null {
            Output.line(
                "visit     \(visit["id"]?.stringValue ?? "?") since \(visit["started"]?.stringValue ?? "?"), "
                    + "\(visit["measurements"]?.intValue ?? 0) measurement(s)")
        } else {
            Output.line("visit     none")
        }
        if let outbox = status["outbox"], outbox != .null {
            let oldest =
                outbox["oldest_unsent_age_s"]?.intValue.map { ", oldest \(Format.duration(seconds: $0))" } ?? ""
            Output.line(
                "outbox    \(outbox["pending"]?.intValue ?? 0) pending, \(outbox["held"]?.intValue ?? 0) held\(oldest)")
        }
        for alarm in status["alarms"]?.arrayValue ?? [] {
            Output.line("ALARM     \(alarm["message"]?.stringValue ?? "?")")
        }
        if let upload = status["upload"], upload != .null {
            var line = "upload    \(upload["state"]?.stringValue ?? "?")"
            if let seconds = upload["resumes_in_s"]?.doubleValue {
                line += ", next try in \(Format.duration(seconds: Int64(seconds.rounded(.up))))"
            }
            if let outcome = upload["last_outcome"]?.stringValue { line += "; last: \(outcome)" }
            Output.line(line)
            for alarm in upload["alarms"]?.arrayValue ?? [] {
                Output.line("ALARM     \(alarm["message"]?.stringValue ?? "?")")
            }
        } else {
            Output.line("upload    off (no [upload] url)")
        }
        let devices = status["devices"]?.arrayValue ?? []
        Output.line(
            "devices   "
                + devices.map { "\($0["id"]?.stringValue ?? "?") \($0["state"]?.stringValue ?? "?")" }
                .joined(separator: ", "))
        Output.line(
            "you are   " + (status["roles"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))
    }
}

/// Small formatting helpers shared by the commands.
enum Format {
    static func duration(seconds: Int64) -> String {
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }

    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }
    }

    static func bloodPressure(_ measurement: JSONValue) -> String {
        let value = { (key: String) in measurement[key]?.intValue.map(String.init) ?? "?" }
        return "blood pressure \(value("systolic"))/\(value("diastolic")) mmHg, MAP \(value("map")) mmHg, "
            + "pulse \(value("pulse")) /min"
    }
}
