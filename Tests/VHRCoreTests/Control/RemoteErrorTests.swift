import Foundation
import Testing

@testable import VHRCore

@Suite struct RemoteErrorTests {
    @Test func codableLeavesOutAMissingHint() throws {
        let error = RemoteError(code: "busy", message: "a measurement is running")
        let json = try JSONValue(encoding: error)
        #expect(json == ["code": "busy", "message": "a measurement is running"])
        #expect(json == error.jsonValue)
        #expect(try json.decode(RemoteError.self) == error)
        let hinted = RemoteError(code: "busy", message: "m", hint: "wait")
        #expect(try JSONValue(encoding: hinted).decode(RemoteError.self) == hinted)
        #expect(RemoteError(jsonValue: hinted.jsonValue) == hinted)
    }

    @Test func fromADeviceError() {
        let error = RemoteError(
            DeviceError(.permissionDenied, "cannot open /dev/ttyUSB0", hint: "install the udev rules"))
        #expect(
            error
                == RemoteError(
                    code: "permission_denied", message: "cannot open /dev/ttyUSB0", hint: "install the udev rules"))
        #expect(error.description == "permission_denied: cannot open /dev/ttyUSB0 (install the udev rules)")
    }
}
