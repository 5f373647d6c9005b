import Synchronization
import VHRCore
import VHRSystem

/// What ``USBPHDCLink`` and ``USBInterruptLink`` share: finding the device, claiming one interface,
/// reading and writing its two endpoints, and closing from any thread.
///
/// Each `open()` starts a fresh libusb session and enumerates: that is how a device unplugged and
/// plugged back in is found again (see ``USBPHDCLink``). After the device went away every call
/// throws `.disconnected` without touching libusb until the link is closed and opened again.
final class USBInterfaceLink: Sendable {
    /// The endpoints a family needs, chosen from the claimed interface's descriptor.
    struct Endpoints: Sendable {
        var input: USBEndpointDescriptor
        /// `nil` when the interface has no OUT endpoint of the kind (a HID device taking output
        /// reports on the control pipe).
        var output: USBEndpointDescriptor?
        /// Bytes asked of one IN transfer.
        var receiveLength: Int
    }

    /// An opened, claimed device. Released and closed when the last user lets go of it.
    final class Session: Sendable {
        let handle: USBDeviceHandle
        let interface: USBInterfaceDescriptor
        let endpoints: Endpoints

        init(handle: USBDeviceHandle, interface: USBInterfaceDescriptor, endpoints: Endpoints) {
            self.handle = handle
            self.interface = interface
            self.endpoints = endpoints
        }

        deinit {
            try? handle.releaseInterface(interface.number)
        }
    }

    private enum State {
        case closed
        case open(Session)
        /// The device was unplugged while open.
        case gone(String)
    }

    /// The longest a single libusb call blocks, so that `close()` from another thread is
    /// noticed promptly by a receive waiting for a long timeout.
    static let slice: Duration = .milliseconds(100)

    let selector: USBDeviceSelector
    let interfaceClass: UInt8
    let className: String
    private let choose: @Sendable (USBInterfaceDescriptor) -> Endpoints?
    private let state = Mutex<State>(.closed)
    private let closing = Atomic<Bool>(false)

    /// - Parameters:
    ///   - selector: which device; `interfaceClass` is added to it.
    ///   - interfaceClass: the class of the interface to claim.
    ///   - className: how logs name the class ("PHDC").
    ///   - choose: the endpoints the family needs from the interface, `nil` when it lacks them.
    init(
        selector: USBDeviceSelector, interfaceClass: UInt8, className: String,
        choose: @escaping @Sendable (USBInterfaceDescriptor) -> Endpoints?
    ) {
        var selector = selector
        selector.interfaceClass = interfaceClass
        self.selector = selector
        self.interfaceClass = interfaceClass
        self.className = className
        self.choose = choose
    }

    var endpointDescription: String {
        let place =
            state.withLock { state -> String? in
                if case .open(let session) = state { return session.handle.device.location }
                return nil
            } ?? "usb \(selector)"
        return "\(place) (0x\(String(interfaceClass, radix: 16, uppercase: false).leftPadded(2)) \(className))"
    }

    /// The endpoints of the open device, for tests and logs; `nil` when not open.
    var openEndpoints: Endpoints? {
        state.withLock { state in
            if case .open(let session) = state { return session.endpoints }
            return nil
        }
    }

    func open() throws(DeviceError) {
        let alreadyOpen = state.withLock { state in
            if case .open = state { return true }
            return false
        }
        guard !alreadyOpen else { return }
        let session = try makeSession()
        closing.store(false, ordering: .sequentiallyConsistent)
        state.withLock { $0 = .open(session) }
    }

    private func makeSession() throws(DeviceError) -> Session {
        do {
            // A fresh session sees the devices plugged in now: libusb updates a long-lived
            // session's list only from hotplug events, which sandboxes and umockdev may not deliver.
            let handle = try LibUSBContext().openDevice(matching: selector)
            guard let interface = handle.interfaces.first(where: { $0.interfaceClass == interfaceClass }),
                let endpoints = choose(interface)
            else {
                throw DeviceError(
                    .notSupported,
                    "\(handle.device.location) has no \(className) interface with the endpoints it needs",
                    hint: "the device is not a model this driver supports; check the device profile")
            }
            try handle.claimInterface(interface.number)
            return Session(handle: handle, interface: interface, endpoints: endpoints)
        } catch let error as LibUSBError {
            throw DeviceError(error)
        } catch let error as DeviceError {
            throw error
        } catch {
            throw DeviceError(.internalError, "\(error)")
        }
    }

    func receive(timeout: Duration) throws(DeviceError) -> [UInt8] {
        let session = try currentSession()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !closing.load(ordering: .sequentiallyConsistent) {
            let remaining = clock.now.duration(to: deadline)
            let wait = min(max(remaining, .milliseconds(1)), Self.slice)
            let bytes: [UInt8]
            do throws(LibUSBError) {
                bytes = try session.handle.read(
                    from: session.endpoints.input, maximumLength: session.endpoints.receiveLength, timeout: wait)
            } catch {
                throw failure(error, writing: false)
            }
            // A zero-length packet carries nothing: keep waiting until the timeout.
            if !bytes.isEmpty { return bytes }
            if remaining <= .zero { break }
        }
        return []
    }

    /// Sends on the OUT endpoint; `control` sends instead when the interface has none.
    func send(
        _ bytes: [UInt8], timeout: Duration,
        control: ((USBDeviceHandle, USBInterfaceDescriptor) throws(LibUSBError) -> Void)? = nil
    ) throws(DeviceError) {
        let session = try currentSession()
        guard session.endpoints.output != nil || control != nil else {
            throw DeviceError(
                .notSupported, "\(session.handle.device.location) has no OUT endpoint on its \(className) interface")
        }
        do throws(LibUSBError) {
            if let output = session.endpoints.output {
                try session.handle.write(bytes, to: output, timeout: timeout)
            } else if let control {
                try control(session.handle, session.interface)
            }
        } catch {
            throw failure(error, writing: true)
        }
    }

    /// Runs a control transfer on the open device (class requests to the interface).
    func control(
        _ transfer: (USBDeviceHandle, USBInterfaceDescriptor) throws(LibUSBError) -> Void
    ) throws(DeviceError) {
        let session = try currentSession()
        do throws(LibUSBError) {
            try transfer(session.handle, session.interface)
        } catch {
            throw failure(error, writing: true)
        }
    }

    func close() {
        closing.store(true, ordering: .sequentiallyConsistent)
        // The session is released and closed when a receive still using it returns.
        state.withLock { $0 = .closed }
    }

    private func currentSession() throws(DeviceError) -> Session {
        let current = state.withLock { state -> Result<Session, DeviceError> in
            switch state {
            case .open(let session): .success(session)
            case .gone(let location):
                .failure(
                    DeviceError(
                        .disconnected, "\(location) was unplugged", hint: "plug it back in; the link reopens it"))
            case .closed: .failure(DeviceError(.internalError, "the \(className) link is not open"))
            }
        }
        return try current.get()
    }

    /// The error to throw; an unplugged device also ends the session.
    private func failure(_ error: LibUSBError, writing: Bool) -> DeviceError {
        if error.kind == .noDevice {
            state.withLock { state in
                if case .open(let session) = state { state = .gone(session.handle.device.location) }
            }
        }
        return DeviceError(error, writing: writing)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
