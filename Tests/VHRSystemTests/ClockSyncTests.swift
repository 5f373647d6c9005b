import Foundation
import Glibc
import Testing
import VHRSystem

@Suite struct ClockSyncTests {
    @Test(arguments: [
        (0 as Int32, 0 as Int32, true),  // TIME_OK, disciplined
        (5, 0x0040, false),  // TIME_ERROR with STA_UNSYNC: a clock nobody set
        (0, 0x0040, false),  // STA_UNSYNC alone
        (5, 0, false),  // TIME_ERROR alone
        (1, 0x2001, true),  // TIME_INS with STA_PLL | STA_NANO
    ])
    func synchronisedMeansNoTimeErrorAndNoUnsyncBit(state: Int32, status: Int32, expected: Bool) {
        #expect(ClockSync(state: state, status: status).synchronized == expected)
    }

    /// The hand-addressed struct timex agrees with another reader of the same call: Python's
    /// ctypes, reading the state and the status field at its C offset.
    @Test func readAgreesWithAnIndependentReader() async throws {
        let clock = try ClockSync.read()
        let script = """
            import ctypes, struct
            buf = ctypes.create_string_buffer(256)
            state = ctypes.CDLL(None).adjtimex(buf)
            print(state, struct.unpack_from("i", buf, 40)[0])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap {
            Int32($0)
        }
        #expect(fields == [clock.state, clock.status])
        #expect(clock.synchronized == (clock.state != 5 && clock.status & 0x40 == 0))
        #expect(clock.maxErrorMicroseconds >= 0)
    }
}
