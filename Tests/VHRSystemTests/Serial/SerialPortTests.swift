import Foundation
import Glibc
import Synchronization
import Testing
import VHRCore
import VHRSystem

/// The controlling end of a test pty: what a device would send and receive.
private struct FakeDevice {
    let pty: PseudoTerminal

    init() throws {
        // A missing /dev/ptmx fails the test here, loudly: these tests exist to run on a real tty.
        pty = try PseudoTerminal.open()
    }

    var path: String { pty.terminalPath }

    func send(_ bytes: [UInt8]) throws {
        try pty.controller.writeAll(bytes)
    }

    /// Reads until `count` bytes arrived or `timeout` passed.
    func receive(count: Int, timeout: Duration = .seconds(10)) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        while bytes.count < count && ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: pty.controller.rawValue, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            if case .value(let chunk) = try pty.controller.read(upToCount: count - bytes.count) {
                bytes += chunk
            }
        }
        return bytes
    }

    func unplug() {
        pty.controller.closeIgnoringErrors()
    }
}

/// Reads from `port` until `count` bytes came or a generous time passed.
private func read(_ port: SerialPort, count: Int) throws -> [UInt8] {
    let deadline = ContinuousClock.now + .seconds(10)
    var bytes: [UInt8] = []
    while bytes.count < count && ContinuousClock.now < deadline {
        bytes += try port.read(upToCount: count - bytes.count, timeout: .milliseconds(200))
    }
    return bytes
}

private func kind(_ body: () throws(SerialDeviceError) -> Void) -> SerialDeviceError.Kind? {
    do {
        try body()
        return nil
    } catch {
        return error.kind
    }
}

private func characters(_ options: termios) -> [UInt8] {
    withUnsafeBytes(of: options.c_cc) { Array($0) }
}

@Suite struct SerialPortTests {
    // MARK: - Settings, at the termios level (a pty cannot keep parity or 7 bits)

    @Test(arguments: [
        SerialPortSettings(baudRate: 9600),
        SerialPortSettings(baudRate: 19200, dataBits: .seven, parity: .even, stopBits: .one),
        SerialPortSettings(baudRate: 4800, dataBits: .eight, parity: .odd, stopBits: .two),
        SerialPortSettings(baudRate: 115_200, flowControl: .hardware),
        SerialPortSettings(baudRate: 1200, dataBits: .five, flowControl: .software),
    ])
    func settingsWriteTermiosAndReadBack(settings: SerialPortSettings) {
        // Start from a cooked terminal's flags, to see raw mode clear them.
        var options = termios()
        options.c_lflag = tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        options.c_iflag = tcflag_t(ICRNL | IXON)
        options.c_oflag = tcflag_t(OPOST)
        options.c_cflag = tcflag_t(CS7 | PARENB | CSTOPB) | tcflag_t(CRTSCTS)
        settings.apply(to: &options)

        #expect(SerialPortSettings(termios: options) == settings)
        #expect(options.c_lflag & tcflag_t(ICANON | ECHO | ISIG | IEXTEN) == 0)
        #expect(options.c_oflag & tcflag_t(OPOST) == 0)
        #expect(options.c_iflag & tcflag_t(ICRNL) == 0)
        #expect(options.c_cflag & tcflag_t(CLOCAL | CREAD) == tcflag_t(CLOCAL | CREAD))
        #expect((options.c_cflag & tcflag_t(PARENB) != 0) == (settings.parity != .none))
        #expect((options.c_cflag & tcflag_t(PARODD) != 0) == (settings.parity == .odd))
        #expect((options.c_iflag & tcflag_t(INPCK) != 0) == (settings.parity != .none))
        #expect((options.c_cflag & tcflag_t(CSTOPB) != 0) == (settings.stopBits == .two))
        #expect((options.c_cflag & tcflag_t(CRTSCTS) != 0) == (settings.flowControl == .hardware))
        #expect((options.c_iflag & tcflag_t(IXON | IXOFF) != 0) == (settings.flowControl == .software))
        #expect(characters(options)[Int(VMIN)] == 0 && characters(options)[Int(VTIME)] == 0)
        var copy = options
        #expect(cfgetispeed(&copy) == settings.speed && cfgetospeed(&copy) == settings.speed)
    }

    @Test func characterSizeIsExact() {
        for bits in SerialPortSettings.DataBits.allCases {
            var options = termios()
            SerialPortSettings(dataBits: bits).apply(to: &options)
            let expected: CInt =
                switch bits {
                case .five: CS5
                case .six: CS6
                case .seven: CS7
                case .eight: CS8
                }
            #expect(options.c_cflag & tcflag_t(CSIZE) == tcflag_t(expected))
        }
    }

    @Test func descriptionsAreTheUsualShorthand() {
        #expect(SerialPortSettings.standard9600.description == "9600 8N1")
        #expect(SerialPortSettings(baudRate: 19200, dataBits: .seven, parity: .even).description == "19200 7E1")
        #expect(
            SerialPortSettings(parity: .odd, stopBits: .two, flowControl: .hardware).description == "9600 8O2 RTS/CTS")
        #expect(SerialPortSettings(flowControl: .software).description == "9600 8N1 XON/XOFF")
    }

    @Test func nonStandardSpeedsAreRefusedBeforeOpening() throws {
        let settings = SerialPortSettings(baudRate: 9601)
        #expect(settings.speed == nil)
        #expect(settings.invalidReason?.contains("9600") == true)
        let device = try FakeDevice()
        defer { device.unplug() }
        #expect(
            kind { () throws(SerialDeviceError) in _ = try SerialPort(path: device.path, settings: settings) }
                == .unsupportedSettings)
    }

    // MARK: - Opening

    @Test func opensAPtyInRawModeAtTheGivenSpeed() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let port = try SerialPort(path: device.path, settings: SerialPortSettings(baudRate: 115_200))
        defer { port.close() }
        var options = try port.currentOptions()
        #expect(SerialPortSettings(termios: options) == SerialPortSettings(baudRate: 115_200))
        #expect(options.c_lflag & tcflag_t(ICANON | ECHO) == 0)
        #expect(cfgetospeed(&options) == speed_t(B115200))
        #expect(characters(options)[Int(VMIN)] == 0)
    }

    @Test func aPtyCannotKeepParityAndSaysSo() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        for settings in [SerialPortSettings(parity: .even), SerialPortSettings(dataBits: .seven, parity: .odd)] {
            do {
                let port = try SerialPort(path: device.path, settings: settings)
                port.close()
                Issue.record("a pty took \(settings)")
            } catch {
                #expect(error.kind == .unsupportedSettings)
                #expect(error.description.contains(settings.description) || error.systemError == .invalidArgument)
            }
        }
    }

    @Test func openFailuresSayWhatToDo() throws {
        let missing = kind { () throws(SerialDeviceError) in
            _ = try SerialPort(path: "/dev/vhr-test-no-such-tty", settings: .standard9600)
        }
        #expect(missing == .notFound)

        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.file("not-a-tty")
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3])))
        #expect(
            kind { () throws(SerialDeviceError) in _ = try SerialPort(path: file, settings: .standard9600) }
                == .notATerminal)

        // The mapping for the errors a test cannot provoke as root.
        let denied = SerialDeviceError(.permissionDenied, path: "/dev/ttyUSB0", operation: "open")
        #expect(
            SerialDeviceError(Errno.permissionDenied, path: "/dev/ttyUSB0", operation: "open")
                == SerialDeviceError(
                    .permissionDenied, path: "/dev/ttyUSB0", operation: "open", systemError: .permissionDenied))
        #expect(denied.description.contains("group vhr") && denied.description.contains("udev"))
        #expect(SerialDeviceError(Errno(rawValue: EBUSY), path: "/dev/ttyUSB0", operation: "open").kind == .busy)
        #expect(SerialDeviceError(Errno(rawValue: ENODEV), path: "/dev/ttyUSB0", operation: "open").kind == .notFound)
        #expect(
            SerialDeviceError(Errno(rawValue: ENODEV), path: "/dev/ttyUSB0", operation: "read").kind == .disconnected)
        #expect(SerialDeviceError(.ioError, path: "/dev/ttyUSB0", operation: "write").kind == .disconnected)
        for kind in SerialDeviceError.Kind.allCases {
            let error = SerialDeviceError(kind, path: "/dev/ttyUSB0", operation: "open")
            #expect(!error.hint.isEmpty && error.description.hasPrefix("serial port /dev/ttyUSB0: open failed"))
        }
        #expect(SerialDeviceError(.busy, path: "/dev/ttyUSB0", operation: "open").hint.contains("fuser"))
        #expect(SerialDeviceError(.notFound, path: "/dev/ttyUSB0", operation: "open").hint.contains("plugged"))
    }

    @Test func aSecondOpenOfTheSamePortIsBusy() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let first = try SerialPort(path: device.path, settings: .standard9600)
        #expect(
            kind { () throws(SerialDeviceError) in _ = try SerialPort(path: device.path, settings: .standard9600) }
                == .busy)
        first.close()
        // Once closed, the port is free again.
        let second = try SerialPort(path: device.path, settings: .standard9600)
        second.close()
    }

    @Test func theDescriptorIsCloseOnExec() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        #expect(try device.pty.controller.isCloseOnExec())
        let port = try SerialPort(path: device.path, settings: .standard9600)
        defer { port.close() }
        // Every open descriptor to the pty's terminal end in this process is checked.
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        var found = 0
        for entry in entries {
            guard let number = CInt(entry),
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"),
                target == device.path
            else { continue }
            found += 1
            #expect(try FileDescriptor(rawValue: number).isCloseOnExec())
        }
        #expect(found == 1)
    }

    // MARK: - Reading and writing

    @Test func readsWhatTheDeviceSendsWholeByteByByteAndInRandomSplits() throws {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        var random = SeededRandom(seed: 0x5EED)
        let splits: [[Int]] = [
            [message.count],
            Array(repeating: 1, count: message.count),
            (0..<5).flatMap { _ -> [Int] in
                var sizes: [Int] = []
                var left = message.count / 5
                while left > 0 {
                    let size = Int.random(in: 1...min(left, 17), using: &random)
                    sizes.append(size)
                    left -= size
                }
                return sizes
            },
        ]
        for sizes in splits {
            let device = try FakeDevice()
            defer { device.unplug() }
            let port = try SerialPort(path: device.path, settings: .standard9600)
            defer { port.close() }
            var offset = 0
            for size in sizes {
                try device.send(Array(message[offset..<(offset + size)]))
                offset += size
            }
            #expect(try read(port, count: message.count) == message)
        }
    }

    @Test func bytesThatATerminalWouldInterpretPassUnchanged() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let port = try SerialPort(path: device.path, settings: .standard9600)
        defer { port.close() }
        // CR, LF, ^C, ^D, ^S, ^Q, DEL, ^Z, NUL: a cooked tty would translate or act on each.
        let controls: [UInt8] = [0x0D, 0x0A, 0x03, 0x04, 0x13, 0x11, 0x7F, 0x1A, 0x00, 0xFF]
        try device.send(controls)
        #expect(try read(port, count: controls.count) == controls)
        try port.write(controls, timeout: .seconds(5))
        #expect(try device.receive(count: controls.count) == controls)
    }

    @Test func writesReachTheDeviceAndDrainReturns() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let port = try SerialPort(path: device.path, settings: .standard9600)
        defer { port.close() }
        let command: [UInt8] = [0x3A, 0x79, 0x05, 0x00, 0x48]
        try port.write(command, timeout: .seconds(5))
        try port.drain()
        #expect(try device.receive(count: command.count) == command)
        try port.flush(.both)
    }

    @Test func aReadWithNothingToReadReturnsEmptyAfterItsTimeout() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let port = try SerialPort(path: device.path, settings: .standard9600)
        defer { port.close() }
        #expect(try port.read(timeout: .milliseconds(20)) == [])
        #expect(try port.read(timeout: .zero) == [])
    }

    @Test func aWriteThatCannotFinishTimesOutSayingHowMuchWentOut() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let port = try SerialPort(path: device.path, settings: .standard9600)
        defer { port.close() }
        // The device reads nothing, so the pty's buffers fill up and the write stalls.
        let flood = [UInt8](repeating: 0x55, count: 4 << 20)
        do {
            try port.write(flood, timeout: .milliseconds(200))
            Issue.record("4 MiB went into a pty nobody reads")
        } catch {
            #expect(error.kind == .timedOut)
            #expect(error.detail?.contains("of \(flood.count) bytes") == true)
        }
    }

    // MARK: - Unplugging and closing

    @Test func unpluggingDeliversWhatWasSentThenDisconnected() throws {
        let device = try FakeDevice()
        let port = try SerialPort(path: device.path, settings: .standard9600)
        defer { port.close() }
        try device.send([1, 2, 3])
        #expect(try read(port, count: 3) == [1, 2, 3])
        device.unplug()
        #expect(kind { () throws(SerialDeviceError) in _ = try port.read(timeout: .seconds(10)) } == .disconnected)
        #expect(kind { () throws(SerialDeviceError) in try port.write([1], timeout: .seconds(1)) } == .disconnected)
        // The node is gone with its controller: reopening says not found until a device is back.
        #expect(
            kind { () throws(SerialDeviceError) in _ = try SerialPort(path: device.path, settings: .standard9600) }
                == .notFound)
    }

    @Test func closeFromAnotherThreadWakesABlockedRead() throws {
        let device = try FakeDevice()
        defer { device.unplug() }
        let port = try SerialPort(path: device.path, settings: .standard9600)
        let outcome = Mutex<SerialDeviceError.Kind?>(nil)
        let started = Atomic<Bool>(false)
        let reader = try DedicatedThread(name: "serial-test") {
            started.store(true, ordering: .releasing)
            let result = kind { () throws(SerialDeviceError) in _ = try port.read(timeout: .seconds(60)) }
            outcome.withLock { $0 = result }
        }
        while !started.load(ordering: .acquiring) { usleep(1000) }
        usleep(20_000)
        port.close()
        reader.join()
        // Either the read was already waiting (and woke) or it had not started (and refused).
        #expect(outcome.withLock { $0 } == .closed)
        #expect(port.isClosed)
        port.close()
        #expect(kind { () throws(SerialDeviceError) in try port.write([1], timeout: .seconds(1)) } == .closed)
    }
}
