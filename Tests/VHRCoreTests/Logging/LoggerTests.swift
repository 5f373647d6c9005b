import Testing
import VHRCore

@Suite struct LoggerTests {
    @Test func filtersByMinimumLevelWithoutBuildingTheMessage() {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "devices", minimumLevel: .notice, handler: handler)
        var built = 0
        func expensive() -> String {
            built += 1
            return "expensive"
        }
        logger.info(expensive())
        logger.debug(expensive())
        #expect(built == 0)
        logger.notice(expensive())
        logger.error("failed")
        #expect(built == 1)
        #expect(handler.records.map(\.level) == [.notice, .error])
        #expect(handler.messages == ["expensive", "failed"])
        #expect(logger.isEnabled(.warning))
        #expect(!logger.isEnabled(.info))
    }

    @Test func everyLevelMethodLogsAtItsLevel() {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "", minimumLevel: .debug, handler: handler)
        logger.emergency("m")
        logger.alert("m")
        logger.critical("m")
        logger.error("m")
        logger.warning("m")
        logger.notice("m")
        logger.info("m")
        logger.debug("m")
        #expect(handler.records.map(\.level) == LogLevel.allCases)
    }

    @Test func metadataMergesWithTheCallWinning() {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "uploads", metadata: ["room": "3", "visit": "old"], handler: handler)
        logger[metadataKey: "host"] = "kiosk"
        let visitLogger = logger.with(["visit": "42"])
        visitLogger.info("visit started", ["visit": "43", "step": "cuff"])
        logger.withLabel("other").warning("plain")

        #expect(
            handler.records == [
                LogRecord(
                    level: .info, message: "visit started",
                    metadata: ["room": "3", "visit": "43", "step": "cuff", "host": "kiosk"], label: "uploads"),
                LogRecord(
                    level: .warning, message: "plain", metadata: ["room": "3", "visit": "old", "host": "kiosk"],
                    label: "other"),
            ])
        #expect(logger[metadataKey: "visit"] == "old", "with(_:) copies")
    }

    @Test func inMemoryHandlerIsSafeUnderConcurrencyAndClears() async {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "t", handler: handler)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<100 { logger.info("\(task)-\(index)") }
                }
            }
        }
        #expect(handler.records.count == 400)
        #expect(Set(handler.messages).count == 400)
        handler.clear()
        #expect(handler.records.isEmpty)
    }

    @Test func discardingLoggerDropsEverything() {
        let logger = Logger.discarding(label: "x")
        #expect(!logger.isEnabled(.critical))
        logger.emergency("still handed to a handler that drops it")
        #expect(logger.isEnabled(.emergency))
    }
}
