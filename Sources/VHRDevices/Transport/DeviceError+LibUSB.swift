import VHRCore
import VHRSystem

extension DeviceError {
    /// A libusb failure as the one error the service boundary knows, keeping libusb's hint.
    ///
    /// - Parameter writing: whether the failed call was sending (`.write`) rather than receiving
    ///   or opening (`.read`), for the failures without a code of their own.
    init(_ error: LibUSBError, writing: Bool = false) {
        let code: Code =
            switch error.kind {
            case .access: .permissionDenied
            case .noDevice: .disconnected
            case .notFound: .notFound
            case .busy: .busy
            case .timeout: .timedOut
            default: writing ? .write : .read
            }
        var message = "libusb \(error.operation)"
        if let device = error.device { message += " \(device)" }
        message += ": \(error.message) (\(error.name))"
        self.init(code, message, hint: error.hint)
    }
}
