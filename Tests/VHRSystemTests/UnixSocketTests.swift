import Glibc
import Testing
import VHRSystem

@Suite struct UnixSocketTests {
    @Test func listenConnectAcceptRoundTrip() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("control.sock")
        let listener = try UnixSocket.listen(path: path, mode: 0o660)
        defer { try? listener.close() }

        #expect(try UnixSocket.accept(listener) == nil, "nothing pending yet")
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o660)

        let client = try UnixSocket.connect(path: path)
        defer { try? client.close() }
        let server = try #require(try UnixSocket.accept(listener))
        defer { try? server.close() }
        #expect(try server.isNonBlocking())
        #expect(try server.isCloseOnExec())
        #expect(try !client.isNonBlocking())
        #expect(try client.isCloseOnExec())

        try client.sendAll(Array("hello vhrd".utf8))
        #expect(try server.read(upToCount: 64) == .value(Array("hello vhrd".utf8)))
        #expect(try server.read(upToCount: 64) == .wouldBlock)
        let reply = Array("ok".utf8)
        #expect(try reply.withUnsafeBytes { try server.send($0) } == .value(2))
        #expect(try client.read(upToCount: 64) == .value(reply))
    }

    @Test func peerCredentialsAreOurOwn() throws {
        let (left, right) = try UnixSocket.pair()
        defer {
            try? left.close()
            try? right.close()
        }
        let credentials = try UnixSocket.peerCredentials(of: left)
        #expect(credentials == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
    }

    @Test func staleSocketIsReplaced() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("stale.sock")
        // A daemon that died without unlinking its socket leaves exactly this behind.
        try UnixSocket.listen(path: path).close()
        #expect(Directories.fileExists(path: path))
        #expect(
            throws: UnixSocketError(.connectionRefused, path: path, operation: "connect", errno: .connectionRefused)
        ) {
            try UnixSocket.connect(path: path)
        }

        let listener = try UnixSocket.listen(path: path)
        defer { try? listener.close() }
        let client = try UnixSocket.connect(path: path)
        try client.close()
    }

    @Test func liveSocketIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("live.sock")
        let listener = try UnixSocket.listen(path: path)
        defer { try? listener.close() }

        let error = try #require(throws: UnixSocketError.self) { try UnixSocket.listen(path: path) }
        #expect(error.code == .alreadyRunning)
        #expect(error.description.contains("another vhrd is already running on \(path)"))
        // The live daemon still works.
        let client = try UnixSocket.connect(path: path)
        try client.close()
    }

    @Test func nonSocketFileIsRefusedAndKept() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("precious")
        let file = try FileDescriptor.open(path, .writeOnly, options: [.create], permissions: 0o600)
        try file.writeAll(Array("keep me".utf8))
        try file.close()

        let error = try #require(throws: UnixSocketError.self) { try UnixSocket.listen(path: path) }
        #expect(error.code == .notASocket)
        #expect(error.description.contains("not a socket"))
        #expect(try Directories.readFile(path: path) == Array("keep me".utf8))

        try Directories.ensureDirectory(path: directory.file("dir"))
        let directoryError = try #require(throws: UnixSocketError.self) {
            try UnixSocket.listen(path: directory.file("dir"))
        }
        #expect(directoryError.code == .notASocket)
    }

    @Test func pathTooLongIsAClearError() {
        let path = "/tmp/" + String(repeating: "x", count: 120) + ".sock"
        let error = #expect(throws: UnixSocketError.self) { try UnixSocket.listen(path: path) }
        #expect(error?.code == .pathTooLong)
        #expect(error?.description.contains("at most 107 bytes") == true)
        #expect(throws: UnixSocketError(.pathTooLong, path: path, operation: "socket path")) {
            try UnixSocket.connect(path: path)
        }
        // Exactly at the limit is fine as far as the address goes (the directory does not exist).
        let longest = "/nonexistent/" + String(repeating: "y", count: UnixSocket.maximumPathLength - 13)
        let atLimit = #expect(throws: UnixSocketError.self) { try UnixSocket.connect(path: longest) }
        #expect(atLimit?.code == .notFound)
    }

    @Test func connectingToAMissingSocketSaysWhereToLook() {
        let error = #expect(throws: UnixSocketError.self) {
            try UnixSocket.connect(path: "/run/vhr-test-missing/control.sock")
        }
        #expect(error?.code == .notFound)
        #expect(
            error?.description
                == "no socket at /run/vhr-test-missing/control.sock: is vhrd running? its sockets are in "
                + "/run/vhr-test-missing")
    }

    @Test func clientErrorMessagesSayWhatToDo() {
        let denied = UnixSocketError(.permissionDenied, path: "/run/vhr/control.sock", operation: "connect")
        #expect(denied.description.contains("add yourself to group vhr"))
        let refused = UnixSocketError(.connectionRefused, path: "/run/vhr/control.sock", operation: "connect")
        #expect(refused.description.contains("connection refused"))
    }

    @Test func shuttingTheWriteSideGivesThePeerTheDataThenEndOfFileAndStillReads() throws {
        let (server, client) = try UnixSocket.pair()
        defer {
            try? server.close()
            try? client.close()
        }
        try client.sendAll(Array("unread request".utf8))
        try server.sendAll(Array("refused".utf8))
        try UnixSocket.shutdownWrite(server)
        #expect(try client.read(upToCount: 64) == .value(Array("refused".utf8)))
        #expect(try client.read(upToCount: 64) == .value([]), "end of file after the last message")
        try client.sendAll(Array(" more".utf8))
        #expect(try server.read(upToCount: 64) == .value(Array("unread request more".utf8)))
    }

    @Test func sendNeverRaisesSIGPIPE() throws {
        let (left, right) = try UnixSocket.pair()
        defer { try? left.close() }
        try right.close()
        // Without MSG_NOSIGNAL this would kill the test process.
        #expect(throws: Errno.brokenPipe) { try left.sendAll([1, 2, 3]) }
        #expect(throws: Errno.brokenPipe) { _ = try ([1] as [UInt8]).withUnsafeBytes { try left.send($0) } }
    }

    @Test func fullSendBufferWouldBlock() throws {
        let (left, right) = try UnixSocket.pair()
        defer {
            try? left.close()
            try? right.close()
        }
        try UnixSocket.setSendBufferSize(left, bytes: 4096)
        try UnixSocket.setReceiveBufferSize(right, bytes: 4096)
        #expect(try UnixSocket.sendBufferSize(of: left) >= 4096)
        #expect(try UnixSocket.receiveBufferSize(of: right) >= 4096)
        try left.setNonBlocking()
        let chunk = [UInt8](repeating: 1, count: 1024)
        var outcome: IOResult<Int> = .value(0)
        for _ in 0..<10_000 {
            outcome = try chunk.withUnsafeBytes { try left.send($0) }
            if outcome == .wouldBlock { break }
        }
        #expect(outcome == .wouldBlock)
        // A blocking socket with .dontWait behaves the same.
        try left.setNonBlocking(false)
        #expect(try chunk.withUnsafeBytes { try left.send($0, flags: .dontWait) } == .wouldBlock)
    }
}
