import Glibc
import Testing
import VHRSystem

@Suite struct AccountsTests {
    @Test func rootIsZero() throws {
        #expect(try Accounts.userID(named: "root") == 0)
        #expect(try Accounts.groupID(named: "root") == 0)
        #expect(try Accounts.userName(of: 0) == "root")
        let groups = try Accounts.groups(ofUser: 0)
        #expect(groups.first == 0, "the primary group comes first")
        #expect(Set(groups).count == groups.count)
    }

    @Test func ourOwnAccountRoundTrips() throws {
        let name = try Accounts.userName(of: getuid())
        #expect(try Accounts.userID(named: name) == getuid())
        #expect(try Accounts.groups(ofUser: getuid()).contains(getgid()))
    }

    @Test func unknownUserSaysWhatToDo() {
        let error = #expect(throws: AccountError.self) { try Accounts.userID(named: "vhr-no-such-user") }
        #expect(error?.code == .unknownUser("vhr-no-such-user"))
        #expect(error?.description.hasPrefix("no user 'vhr-no-such-user' on this system; create it") == true)
        #expect(error?.description.contains("fix [access] in the vhrd configuration") == true)

        var named = error
        named?.configurationFile = "/etc/vhr/vhrd.conf"
        #expect(named?.description.hasSuffix("fix [access] in /etc/vhr/vhrd.conf") == true)
    }

    @Test func unknownGroupAndUID() {
        #expect(throws: AccountError(.unknownGroup("vhr-no-such-group"))) {
            try Accounts.groupID(named: "vhr-no-such-group")
        }
        // 2^32 - 3: not a real account anywhere, and not the reserved (uid_t)-1.
        #expect(throws: AccountError(.unknownUserID(4_294_967_293))) { try Accounts.userName(of: 4_294_967_293) }
        #expect(throws: AccountError(.unknownUserID(4_294_967_293))) { try Accounts.groups(ofUser: 4_294_967_293) }
    }
}
