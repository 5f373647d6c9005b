import Testing
import VHRCore

@Suite struct DeviceConfigTests {
    @Test func optionErrorPointsAtTheOptionsLine() throws {
        let config = try RoomConfig.parse("[device cuff]\nprofile = simulated-bp-cuff\nspeed = fast\n", file: "r.conf")
        let device = config.devices[0]
        let error = device.optionError(
            "speed", file: config.source, problem: "'fast' is not a number", fix: "write 1 to 10")
        #expect(error.description == "r.conf:3: [device cuff] speed: 'fast' is not a number. Fix: write 1 to 10")
    }

    @Test func optionErrorForAMissingOptionPointsAtTheHeader() throws {
        let config = try RoomConfig.parse("\n[device cuff]\nprofile = simulated-bp-cuff\n", file: "r.conf")
        let error = config.devices[0].optionError("port", file: "r.conf", problem: "missing", fix: "add port = 1")
        #expect(error.line == 2)
        #expect(error.field == "[device cuff] port")
    }
}
