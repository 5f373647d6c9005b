import CLibUSB
import Foundation
import Testing
import VHRSystem

@Suite struct LibUSBErrorTests {
    /// Every `libusb_error` value libusb 1.0 defines, with the kind and name vhr gives it.
    static let table: [(constant: libusb_error, code: Int32, kind: LibUSBError.Kind, name: String)] = [
        (LIBUSB_ERROR_IO, -1, .io, "LIBUSB_ERROR_IO"),
        (LIBUSB_ERROR_INVALID_PARAM, -2, .invalidParameter, "LIBUSB_ERROR_INVALID_PARAM"),
        (LIBUSB_ERROR_ACCESS, -3, .access, "LIBUSB_ERROR_ACCESS"),
        (LIBUSB_ERROR_NO_DEVICE, -4, .noDevice, "LIBUSB_ERROR_NO_DEVICE"),
        (LIBUSB_ERROR_NOT_FOUND, -5, .notFound, "LIBUSB_ERROR_NOT_FOUND"),
        (LIBUSB_ERROR_BUSY, -6, .busy, "LIBUSB_ERROR_BUSY"),
        (LIBUSB_ERROR_TIMEOUT, -7, .timeout, "LIBUSB_ERROR_TIMEOUT"),
        (LIBUSB_ERROR_OVERFLOW, -8, .overflow, "LIBUSB_ERROR_OVERFLOW"),
        (LIBUSB_ERROR_PIPE, -9, .pipe, "LIBUSB_ERROR_PIPE"),
        (LIBUSB_ERROR_INTERRUPTED, -10, .interrupted, "LIBUSB_ERROR_INTERRUPTED"),
        (LIBUSB_ERROR_NO_MEM, -11, .outOfMemory, "LIBUSB_ERROR_NO_MEM"),
        (LIBUSB_ERROR_NOT_SUPPORTED, -12, .notSupported, "LIBUSB_ERROR_NOT_SUPPORTED"),
        (LIBUSB_ERROR_OTHER, -99, .other, "LIBUSB_ERROR_OTHER"),
    ]

    @Test func everyCodeMapsToItsKindNameAndLibusbText() {
        // LIBUSB_ERROR_COUNT counts LIBUSB_SUCCESS too.
        #expect(Self.table.count == Int(LIBUSB_ERROR_COUNT) - 1, "a libusb_error value is missing from the table")
        for row in Self.table {
            #expect(row.constant.rawValue == row.code)
            let error = LibUSBError(code: row.code, operation: "open")
            #expect(error.kind == row.kind, "\(row.name)")
            #expect(LibUSBError.Kind(code: row.code) == row.kind)
            #expect(error.name == row.name)
            #expect(error.message == String(cString: libusb_strerror(row.code)))
            #expect(!error.message.isEmpty)
        }
        #expect(Set(Self.table.map(\.kind)) == Set(LibUSBError.Kind.allCases), "every kind is reachable")
    }

    @Test func unknownCodesAreOther() {
        #expect(LibUSBError.Kind(code: -13) == .other)
        #expect(LibUSBError.Kind(code: 0) == .other)
        #expect(LibUSBError(code: -1000, operation: "open").name == "**UNKNOWN**")
    }

    @Test func hintsSayWhatToDo() {
        let access = LibUSBError(code: -3, operation: "open", device: "usb 1-3")
        #expect(access.hint?.contains("add the vhr user to group vhr and install the udev rules") == true)
        #expect(
            access.description
                == "libusb open usb 1-3: Access denied (insufficient permissions) (LIBUSB_ERROR_ACCESS); "
                + access.hint!)
        #expect(LibUSBError(code: -4, operation: "open").hint?.contains("unplugged") == true)
        #expect(LibUSBError(code: -6, operation: "claim").hint == "another driver holds the interface")
        #expect(LibUSBError(code: -12, operation: "open").hint == nil)
        #expect(
            LibUSBError(code: -99, operation: "init").description == "libusb init: Other error (LIBUSB_ERROR_OTHER)")
    }

    @Test func roundTripsThroughJSON() throws {
        let error = LibUSBError(code: -7, operation: "read string descriptor 2", device: "usb 2-1.4")
        let data = try JSONEncoder().encode(error)
        #expect(try JSONDecoder().decode(LibUSBError.self, from: data) == error)
    }
}
