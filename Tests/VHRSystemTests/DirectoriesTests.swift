import Glibc
import Testing
import VHRSystem

@Suite struct DirectoriesTests {
    @Test func ensureDirectoryCreatesParentsWithTheExactMode() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.file("a/b/state")
        let previous = umask(0o077)
        defer { umask(previous) }
        try Directories.ensureDirectory(path: target, mode: 0o750)
        #expect(Directories.isDirectory(target))
        var status = stat()
        #expect(stat(target, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o750, "the umask does not apply")
        // Idempotent, and leaves an existing directory's mode alone.
        try Directories.ensureDirectory(path: target, mode: 0o700)
        #expect(stat(target, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o750)
    }

    @Test func fileInTheWayIsAnError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let blocker = directory.file("blocker")
        try FileDescriptor.open(blocker, .writeOnly, options: [.create]).close()
        let error = #expect(throws: FileSystemError.self) {
            try Directories.ensureDirectory(path: blocker + "/state")
        }
        #expect(error == FileSystemError(path: blocker, operation: "mkdir", errno: .notDirectory))
        #expect(error?.description.contains("move it away") == true)
    }

    @Test func readAndListFiles() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        for (name, text) in [("b.json", "{}"), ("a.json", "[1]"), ("c.txt", "")] {
            let fd = try FileDescriptor.open(directory.file(name), .writeOnly, options: [.create])
            try fd.writeAll(Array(text.utf8))
            try fd.close()
        }
        #expect(try Directories.listDirectory(path: directory.path) == ["a.json", "b.json", "c.txt"])
        #expect(try Directories.readFile(path: directory.file("a.json")) == Array("[1]".utf8))
        #expect(try Directories.readFile(path: directory.file("c.txt")) == [])
        #expect(Directories.fileExists(path: directory.file("a.json")))
        #expect(!Directories.fileExists(path: directory.file("zzz")))
    }

    @Test func missingPathsNameThePath() {
        let read = #expect(throws: FileSystemError.self) { try Directories.readFile(path: "/nonexistent/vhr/p.json") }
        #expect(
            read?.description == "open /nonexistent/vhr/p.json: No such file or directory (errno 2); "
                + "/nonexistent/vhr/p.json does not exist")
        #expect(throws: FileSystemError(path: "/nonexistent/vhr", operation: "opendir", errno: .noSuchFileOrDirectory))
        {
            try Directories.listDirectory(path: "/nonexistent/vhr")
        }
    }

    @Test func hintsForCommonFailures() {
        #expect(
            FileSystemError(path: "/var/lib/vhr", operation: "mkdir", errno: .permissionDenied).hint?
                .contains("needs access to /var/lib/vhr") == true)
        #expect(
            FileSystemError(path: "/var/lib/vhr", operation: "write", errno: .noSpace).hint
                == "the disk holding /var/lib/vhr is full")
        #expect(FileSystemError(path: "/x", operation: "open", errno: .ioError).hint == nil)
    }
}
