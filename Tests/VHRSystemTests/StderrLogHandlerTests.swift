import Testing
import VHRCore
import VHRSystem

@Suite struct StderrLogHandlerTests {
    @Test func writesOneFormattedLine() throws {
        let (reader, writer) = try FileDescriptor.pipe(nonBlocking: true)
        defer {
            try? reader.close()
            try? writer.close()
        }
        let logger = Logger(label: "uploads", handler: StderrLogHandler(descriptor: writer))
        logger.notice("visit started", ["visit": "42", "room": "room 3"])
        logger.debug("dropped below the minimum level")
        #expect(
            try reader.read(upToCount: 4096)
                == .value(Array("<5>uploads: visit started room=\"room 3\" visit=42\n".utf8)))
    }

    @Test func concurrentLinesDoNotInterleave() async throws {
        let (reader, writer) = try FileDescriptor.pipe(nonBlocking: true)
        defer {
            try? reader.close()
            try? writer.close()
        }
        let logger = Logger(label: "stress", handler: StderrLogHandler(descriptor: writer))
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for line in 0..<40 {
                        logger.info("line \(line) from task \(task)", ["padding": String(repeating: "p", count: 40)])
                    }
                }
            }
        }
        var output: [UInt8] = []
        while case .value(let chunk) = try reader.read(upToCount: 65536), !chunk.isEmpty {
            output += chunk
        }
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 320)
        let padding = String(repeating: "p", count: 40)
        #expect(lines.allSatisfy { $0.hasPrefix("<6>stress: line ") && $0.hasSuffix(" padding=\(padding)") })
    }
}
