import Glibc
import Testing
import VHRSystem

/// The passed sockets are placed at high, contiguous descriptors (each test its own range), since
/// 3, 4, 5 belong to the test runner; `firstDescriptor` points the parser there.
@Suite struct SocketActivationTests {
    /// Moves `sockets` to `first`, `first + 1`, … (dup2 clears close-on-exec, as exec would).
    private func place(_ sockets: [FileDescriptor], at first: CInt) -> [FileDescriptor] {
        sockets.enumerated().map { offset, socket in
            let target = first + CInt(offset)
            precondition(fcntl(target, F_GETFD) == -1, "fd \(target) is in use")
            precondition(dup2(socket.rawValue, target) == target)
            close(socket.rawValue)
            return FileDescriptor(rawValue: target)
        }
    }

    @Test func namedListeningSocketsAreTakenCloseOnExecAndNonBlocking() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let names = ["control", "stream", "tap"]
        let made = try names.map { name in
            let socket = try UnixSocket.listen(path: directory.file("\(name).sock"))
            try socket.setNonBlocking(false)  // systemd passes them blocking unless NonBlocking=yes
            return socket
        }
        let placed = place(made, at: 900)
        defer { for socket in placed { socket.closeIgnoringErrors() } }
        #expect(try !placed[0].isCloseOnExec())

        let sockets = try SocketActivation.listeners(
            environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "control:stream:tap"],
            firstDescriptor: 900, unsetEnvironment: false)
        #expect(sockets.map(\.name) == names)
        #expect(sockets.map(\.descriptor) == placed)
        #expect(sockets.map(\.path) == names.map { directory.file("\($0).sock") })
        #expect(sockets.map(\.fileName) == ["control.sock", "stream.sock", "tap.sock"])
        for socket in sockets {
            #expect(try socket.descriptor.isCloseOnExec())
            #expect(try socket.descriptor.isNonBlocking())
        }
        // Still the same listening socket: a client gets through.
        let client = try UnixSocket.connect(path: directory.file("tap.sock"))
        defer { client.closeIgnoringErrors() }
        let accepted = try #require(try UnixSocket.accept(sockets[2].descriptor))
        accepted.closeIgnoringErrors()
    }

    @Test func withoutNamesEverySocketIsUnknown() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let placed = place([try UnixSocket.listen(path: directory.file("a.sock"))], at: 910)
        defer { placed[0].closeIgnoringErrors() }
        let sockets = try SocketActivation.listeners(
            environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "1"], firstDescriptor: 910,
            unsetEnvironment: false)
        #expect(sockets.map(\.name) == ["unknown"])
    }

    @Test func socketsForAnotherProcessOrNoneAtAllAreNotTaken() throws {
        #expect(try SocketActivation.listeners(environment: [:], unsetEnvironment: false).isEmpty)
        let forParent = ["LISTEN_PID": "\(getppid())", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "control"]
        #expect(try SocketActivation.listeners(environment: forParent, unsetEnvironment: false).isEmpty)
        let none = ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "0", "LISTEN_FDNAMES": ""]
        #expect(try SocketActivation.listeners(environment: none, unsetEnvironment: false).isEmpty)
    }

    @Test(arguments: ["", "-1", "three", "100000"])
    func aBadCountIsRefused(count: String) {
        #expect(throws: SocketActivationError(.badCount, detail: count)) {
            try SocketActivation.listeners(
                environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": count], unsetEnvironment: false)
        }
    }

    @Test func namesMustCountEverySocket() {
        #expect(throws: SocketActivationError(.namesMismatch, detail: "control:stream")) {
            try SocketActivation.listeners(
                environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "control:stream"],
                unsetEnvironment: false)
        }
    }

    @Test func theVariablesAreRemovedFromTheEnvironment() throws {
        for name in SocketActivation.variables { setenv(name, "x", 1) }
        _ = try SocketActivation.listeners(environment: ["LISTEN_PID": "\(getppid())"])
        for name in SocketActivation.variables { #expect(getenv(name) == nil, "\(name) is still set") }
    }

    @Test func aClosedDescriptorIsRefused() {
        #expect(fcntl(920, F_GETFD) == -1)
        let error = #expect(throws: SocketActivationError.self) {
            try SocketActivation.adopt(FileDescriptor(rawValue: 920), name: "control")
        }
        #expect(error?.code == .notOpen)
        #expect(error?.description.contains("vhrd.socket") == true)
    }

    @Test func aDatagramSocketIsRefused() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        let error = #expect(throws: SocketActivationError.self) {
            try SocketActivation.adopt(FileDescriptor(rawValue: fd), name: "stream")
        }
        #expect(error?.code == .notAListeningUnixStream)
        #expect(error?.description.contains("ListenStream=") == true)
    }

    @Test func aConnectedStreamSocketIsRefused() throws {
        let (one, two) = try UnixSocket.pair()
        defer {
            one.closeIgnoringErrors()
            two.closeIgnoringErrors()
        }
        let error = #expect(throws: SocketActivationError.self) { try SocketActivation.adopt(one, name: "tap") }
        #expect(error?.detail == "a Unix stream socket that is not listening")
    }

    @Test func anInternetSocketIsRefused() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        #expect(listen(fd, 1) == 0)
        let error = #expect(throws: SocketActivationError.self) {
            try SocketActivation.adopt(FileDescriptor(rawValue: fd), name: "control")
        }
        #expect(error?.detail == "a socket of family \(AF_INET)")
    }

    @Test func aPipeIsRefused() throws {
        var ends: [CInt] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { _ = close($0) } }
        let error = #expect(throws: SocketActivationError.self) {
            try SocketActivation.adopt(FileDescriptor(rawValue: ends[0]), name: "control")
        }
        #expect(error?.detail == "not a socket")
    }
}
