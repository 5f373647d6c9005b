import Glibc
import Testing
import VHRSystem

@Suite struct FileLockTests {
    @Test func secondLockIsRefusedAndNamesThePID() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("vhrd.lock")
        let lock = try FileLock(path: path)
        #expect(lock.isHeld)
        #expect(try Directories.readFile(path: path) == Array("\(getpid())\n".utf8))

        let error = #expect(throws: FileLockError.self) { try FileLock(path: path) }
        #expect(error?.code == .held(pid: getpid()))
        #expect(
            error?.description
                == "another vhrd (pid \(getpid())) is using \(directory.path) (it holds \(path)); stop it first")

        lock.release()
        #expect(!lock.isHeld)
        lock.release()  // harmless
        let again = try FileLock(path: path)
        #expect(again.isHeld)
    }

    @Test func lockIsDroppedWithTheObject() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("vhrd.lock")
        do {
            let first = try FileLock(path: path)
            #expect(first.isHeld)
        }
        let second = try FileLock(path: path)
        #expect(second.isHeld)
    }

    @Test func unwritableLocationIsASystemError() {
        let error = #expect(throws: FileLockError.self) { try FileLock(path: "/nonexistent/vhr/vhrd.lock") }
        #expect(error?.code == .system)
        #expect(error?.errno == .noSuchFileOrDirectory)
        #expect(error?.description.contains("cannot lock /nonexistent/vhr/vhrd.lock") == true)
    }
}
