import Testing
import VHRCore

@Suite struct ConfigErrorTests {
    @Test func describesFileLineFieldProblemAndFix() {
        let error = ConfigError(
            file: "/etc/vhr/vhrd.conf", line: 12, field: "[device cuff] profile", problem: "no profile named 'omron-x'",
            fix: "use one of simulated-bp-cuff, simulated-stethoscope, or add DeviceProfiles/omron-x.json")
        #expect(
            error.description
                == "/etc/vhr/vhrd.conf:12: [device cuff] profile: no profile named 'omron-x'. Fix: use one of "
                + "simulated-bp-cuff, simulated-stethoscope, or add DeviceProfiles/omron-x.json")
    }

    @Test func leavesOutAMissingLineAndField() {
        let error = ConfigError(file: "a.conf", line: nil, field: "", problem: "p", fix: "f")
        #expect(error.description == "a.conf: p. Fix: f")
    }
}
