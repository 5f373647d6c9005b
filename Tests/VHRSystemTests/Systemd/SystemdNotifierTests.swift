import Glibc
import Testing
import VHRSystem

@Suite struct SystemdNotifierTests {
    @Test func readyWithStatusGoesToAPathSocketInOneDatagram() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let receiver = NotifyReceiver(.path(directory.file("notify")))
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": directory.file("notify")])
        #expect(notifier.isEnabled)
        #expect(notifier.address == .path(directory.file("notify")))

        try notifier.ready(status: "ready; visit none")
        #expect(receiver.receive() == "READY=1\nSTATUS=ready; visit none")
    }

    @Test func everyStateReachesAnAbstractSocket() throws {
        let name = "vhr-test-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let receiver = NotifyReceiver(.abstract(name))
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name])
        #expect(notifier.address == .abstract(name))

        try notifier.status("starting: opening devices")
        try notifier.watchdog()
        try notifier.ready()
        try notifier.stopping(status: "stopping on SIGTERM")
        #expect(receiver.receive() == "STATUS=starting: opening devices")
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(receiver.receive() == "READY=1")
        #expect(receiver.receive() == "STOPPING=1\nSTATUS=stopping on SIGTERM")
    }

    @Test func aStatusStaysOnOneLine() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let receiver = NotifyReceiver(.path(directory.file("n")))
        let notifier = SystemdNotifier(address: .path(directory.file("n")))
        try notifier.status("cannot start: line one\nREADY=1")
        #expect(receiver.receive() == "STATUS=cannot start: line one READY=1")
    }

    @Test func outsideSystemdEveryCallDoesNothing() throws {
        let notifier = try SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.address == nil)
        try notifier.ready(status: "ready")
        try notifier.watchdog()
        #expect(try !SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isEnabled)
    }

    @Test(arguments: ["relative/notify", "@", "vsock:2:1234"])
    func unusableAddressesAreRefused(value: String) {
        #expect(throws: SystemdNotifyError(.unsupportedAddress, address: value)) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": value])
        }
    }

    @Test func anAddressLongerThanSunPathIsRefused() throws {
        let path = "/" + String(repeating: "a", count: 107)
        #expect(throws: SystemdNotifyError(.addressTooLong, address: path)) { try SystemdNotifier.Address(path) }
        // An abstract name has no terminator to make room for: 108 bytes fit.
        #expect(
            try SystemdNotifier.Address("@" + String(repeating: "a", count: 107))
                == .abstract(String(repeating: "a", count: 107)))
        #expect(
            try SystemdNotifier.Address("/" + String(repeating: "a", count: 106))
                == .path("/" + String(repeating: "a", count: 106)))
    }

    @Test func sendingWithNobodyListeningSaysWhatToCheck() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let notifier = SystemdNotifier(address: .path(directory.file("nobody")))
        let error = try #require(throws: SystemdNotifyError.self) { try notifier.watchdog() }
        #expect(error.code == .system)
        #expect(error.errno == .noSuchFileOrDirectory)
        #expect(error.description.contains("NotifyAccess=main"))
    }

    @Test func theWatchdogTimeoutComesFromWatchdogUsecForThisProcessOnly() {
        let pid = getpid()
        #expect(SystemdNotifier.watchdogTimeout(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(30))
        #expect(
            SystemdNotifier.watchdogTimeout(environment: ["WATCHDOG_USEC": "400000", "WATCHDOG_PID": "\(pid)"])
                == .milliseconds(400))
        #expect(
            SystemdNotifier.watchdogTimeout(environment: ["WATCHDOG_USEC": "400000", "WATCHDOG_PID": "\(pid + 1)"])
                == nil)
        #expect(SystemdNotifier.watchdogTimeout(environment: ["WATCHDOG_USEC": "0"]) == nil)
        #expect(SystemdNotifier.watchdogTimeout(environment: ["WATCHDOG_USEC": "soon"]) == nil)
        #expect(SystemdNotifier.watchdogTimeout(environment: [:]) == nil)
    }
}
