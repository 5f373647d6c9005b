import Testing
import VHRCore

@Suite struct PrincipalTests {
    @Test(arguments: [
        Principal.user("vhr-kiosk"), .user("_svc$"), .group("vhr-tech"), .uid(0), .uid(1001), .gid(4_294_967_294),
        .daemonUser,
    ])
    func roundTripsThroughItsDescription(principal: Principal) {
        #expect(Principal(parsing: principal.description) == principal)
    }

    @Test(arguments: [
        "", "user", "user:", "user:Bob", "user:a b", "user:\(String(repeating: "a", count: 33))", "uid:", "uid:+1",
        "uid:4294967295", "gid:1.5", "role:x", "Daemon-User",
    ])
    func rejectsMalformedText(text: String) {
        #expect(Principal(parsing: text) == nil)
    }
}
