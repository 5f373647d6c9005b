import CLibSerialPort
import Foundation
import Glibc
import Testing
import VHRSystem

@Suite struct SerialPortErrorTests {
    /// Every error value of `sp_return`, with the kind vhr gives it.
    static let table: [(constant: sp_return, code: Int32, kind: SerialPortError.Kind)] = [
        (SP_ERR_ARG, -1, .invalidArgument),
        (SP_ERR_FAIL, -2, .systemFailure),
        (SP_ERR_MEM, -3, .outOfMemory),
        (SP_ERR_SUPP, -4, .notSupported),
    ]

    @Test func everyCodeMapsToItsKind() {
        for row in Self.table {
            #expect(row.constant.rawValue == row.code)
            #expect(SerialPortError.Kind(code: row.code) == row.kind)
        }
        #expect(SerialPortError.Kind(code: -5) == .other)
        #expect(SerialPortError.Kind(code: 0) == .other)
        #expect(Set(Self.table.map(\.kind)).union([.other]) == Set(SerialPortError.Kind.allCases))
    }

    @Test func codesWithoutAnOSErrorCarryLibserialportsMeaning() {
        let error = SerialPortError.lastError(code: -1, operation: "list ports")
        #expect(
            error == SerialPortError(code: -1, message: "invalid argument or no such port", operation: "list ports"))
        #expect(error.systemError == nil)
        #expect(error.description == "libserialport list ports: invalid argument or no such port")
    }

    @Test func aMadeUpPortIsAnArgumentError() {
        // sp_get_port_by_name needs /sys/class/tty/<name>; libserialport calls a missing one SP_ERR_ARG.
        var port: OpaquePointer?
        let result = sp_get_port_by_name("/dev/vhr-no-such-port", &port)
        #expect(port == nil)
        let error = SerialPortError.lastError(code: result.rawValue, operation: "get port")
        #expect(error.kind == .invalidArgument)
        #expect(error.systemError == nil)
    }

    @Test func anOSFailureCarriesErrnoAndItsText() {
        // On Unix libserialport's last error is errno itself (sp_last_error_code returns it and
        // sp_last_error_message is strerror of it), so setting errno stands in for a failed call.
        for code in [EACCES, ENOENT, EIO] {
            Glibc.errno = code
            let error = SerialPortError.lastError(code: SP_ERR_FAIL.rawValue, operation: "open /dev/ttyUSB0")
            #expect(error.kind == .systemFailure)
            #expect(error.systemError == code)
            #expect(error.message == String(cString: strerror(code)))
            #expect(error.description.hasPrefix("libserialport open /dev/ttyUSB0: \(error.message) (errno \(code))"))
        }
    }

    @Test func hintsSayWhatToDo() {
        let denied = SerialPortError(code: -2, systemError: EACCES, message: "Permission denied", operation: "open")
        #expect(denied.hint?.contains("add the vhr user to group vhr") == true)
        #expect(denied.description.hasPrefix("libserialport open: Permission denied (errno \(EACCES)); add the vhr"))
        let gone = SerialPortError(code: -2, systemError: ENOENT, message: "No such file", operation: "open")
        #expect(gone.hint?.contains("unplugged") == true)
        #expect(SerialPortError(code: -4, message: "x", operation: "open").hint == nil)
    }
}
