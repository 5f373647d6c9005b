import Glibc
import Testing
import VHRSystem

@Suite struct DeviceNodeTests {
    @Test func inspectGivesOwnerGroupAndMode() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("ttyFake0")
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        #expect(fd >= 0)
        close(fd)
        #expect(chmod(path, 0o640) == 0)
        let node = try #require(try DeviceNode.inspect(path: path))
        #expect(node.path == path)
        #expect(node.owner == geteuid())
        #expect(node.group == getegid())
        #expect(node.mode & 0o7777 == 0o640)
        #expect(node.mode & S_IFMT == S_IFREG)
        #expect(node.ownerName == (try? Accounts.userName(of: geteuid())))
    }

    @Test func nothingThereIsNil() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        #expect(try DeviceNode.inspect(path: directory.file("ttyUSB9")) == nil)
        let file = directory.file("plain")
        close(open(file, O_CREAT | O_WRONLY, 0o600))
        // A path through a regular file (ENOTDIR) is absent too, not an error.
        #expect(try DeviceNode.inspect(path: file + "/ttyUSB0") == nil)
    }

    @Test func theGroupNameOfAnUnknownGroupIsItsNumber() {
        let node = DeviceNode(path: "/dev/x", owner: 4_000_000_001, group: 4_000_000_002, mode: 0o20660)
        #expect(node.groupName == "4000000002")
        #expect(node.ownerName == "4000000001")
        #expect(DeviceNode(path: "/dev/null", owner: 0, group: 0, mode: 0).groupName == "root")
    }

    @Test func currentCredentialsHoldTheEffectiveIDs() {
        let credentials = DeviceNode.currentCredentials()
        #expect(credentials.uid == geteuid())
        #expect(credentials.groups.first == getegid())
        #expect(Set(credentials.groups).count == credentials.groups.count)
    }
}
