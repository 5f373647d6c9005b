import Glibc
import Testing
import VHRSystem

@Suite struct FileDescriptorTests {
    @Test func readOnAnEmptyNonBlockingPipeWouldBlock() throws {
        let (reader, writer) = try FileDescriptor.pipe(nonBlocking: true)
        defer { try? reader.close() }
        #expect(try reader.read(upToCount: 16) == .wouldBlock)
        #expect(try ([1, 2, 3] as [UInt8]).withUnsafeBytes { try writer.write($0) } == .value(3))
        #expect(try reader.read(upToCount: 16) == .value([1, 2, 3]))
        try writer.close()
        #expect(try reader.read(upToCount: 16) == .value([]), "end of file reads as zero bytes")
    }

    @Test func writeOnAFullNonBlockingPipeWouldBlock() throws {
        let (reader, writer) = try FileDescriptor.pipe(nonBlocking: true)
        defer {
            try? reader.close()
            try? writer.close()
        }
        let chunk = [UInt8](repeating: 0xAB, count: 4096)
        var total = 0
        var last: IOResult<Int> = .value(0)
        for _ in 0..<1000 {
            last = try chunk.withUnsafeBytes { try writer.write($0) }
            guard case .value(let count) = last else { break }
            total += count
        }
        #expect(last == .wouldBlock)
        #expect(total >= 4096, "a pipe holds at least a page before it fills")
    }

    @Test func descriptorsAreCloseOnExecAndFlagsToggle() throws {
        let (reader, writer) = try FileDescriptor.pipe()
        defer {
            try? reader.close()
            try? writer.close()
        }
        #expect(try reader.isCloseOnExec())
        #expect(try !reader.isNonBlocking())
        try reader.setNonBlocking()
        #expect(try reader.isNonBlocking())
        try reader.setNonBlocking(false)
        #expect(try !reader.isNonBlocking())
        try writer.setCloseOnExec(false)
        #expect(try !writer.isCloseOnExec())
    }

    @Test func writeAllAndOpenRoundTrip() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("data")
        let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let out = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o600)
        #expect(try out.isCloseOnExec())
        try out.writeAll(payload)
        try out.close()
        #expect(try Directories.readFile(path: path) == payload)
    }

    @Test func openMissingFileThrowsENOENT() {
        #expect(throws: Errno.noSuchFileOrDirectory) {
            _ = try FileDescriptor.open("/nonexistent/vhr/file", .readOnly)
        }
    }
}
