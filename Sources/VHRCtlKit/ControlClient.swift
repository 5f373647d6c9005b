import VHRCore
import VHRSystem

/// A blocking client of vhrd's control socket, for one command's lifetime.
final class ControlClient {
    private let fd: FileDescriptor
    private var framer = LineFramer()
    private var nextID: Int64 = 1
    /// The daemon's hello: protocol version, roles and the methods this client may call.
    private(set) var hello: ControlEvent?

    /// Connects and reads the hello line.
    init(socketPath: String) throws(CommandFailure) {
        do {
            fd = try UnixSocket.connect(path: socketPath)
        } catch {
            throw CommandFailure(.unreachable, "cannot reach vhrd at \(socketPath): \(error)")
        }
        guard case .event(let first) = try readMessage() else {
            throw CommandFailure(.protocolError, "vhrd did not greet this client")
        }
        if first.name == "refused" {
            let error = first.fields["error"]
            throw CommandFailure(
                .notAllowed, error?["message"]?.stringValue ?? "vhrd refused this client",
                hint: error?["hint"]?.stringValue)
        }
        guard first.name == "hello" else {
            throw CommandFailure(.protocolError, "vhrd greeted with '\(first.name)' instead of hello")
        }
        hello = first
    }

    deinit {
        fd.closeIgnoringErrors()
    }

    /// Sends a request and waits for its reply, passing events that arrive meanwhile to `onEvent`.
    func call(
        _ method: String, _ params: [String: JSONValue] = [:],
        onEvent: (ControlEvent) throws(CommandFailure) -> Void = { _ in }
    ) throws(CommandFailure) -> JSONValue {
        let id = nextID
        nextID += 1
        let request = ControlRequest(id: .int(id), method: method, params: params)
        do {
            try fd.writeAll(Array((request.jsonLine() + "\n").utf8))
        } catch {
            throw CommandFailure(.unreachable, "vhrd closed the connection: \(error)")
        }
        while true {
            switch try readMessage() {
            case .event(let event):
                try onEvent(event)
            case .reply(let replyID, let result):
                guard replyID == .int(id) else { continue }
                switch result {
                case .success(let value):
                    return value
                case .failure(let error):
                    let code: ExitCode = ["forbidden", "no_role"].contains(error.code) ? .notAllowed : .failed
                    throw CommandFailure(code, "\(error.message) [\(error.code)]", hint: error.hint)
                }
            }
        }
    }

    /// Waits for the next event (for `vhrctl events`).
    func nextEvent() throws(CommandFailure) -> ControlEvent {
        while true {
            if case .event(let event) = try readMessage() { return event }
        }
    }

    private func readMessage() throws(CommandFailure) -> ControlMessage {
        while true {
            if let result = framer.nextLine() {
                switch result {
                case .line(let line):
                    do {
                        return try ControlMessage.decode(line: line)
                    } catch {
                        throw CommandFailure(.protocolError, "vhrd sent a line this vhrctl cannot read: \(error)")
                    }
                case .oversize, .invalidUTF8:
                    throw CommandFailure(.protocolError, "vhrd sent a malformed line")
                }
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count: Int
            do {
                let result = try buffer.withUnsafeMutableBytes { raw throws(Errno) in try fd.read(into: raw) }
                guard case .value(let read) = result else { continue }
                count = read
            } catch {
                throw CommandFailure(.unreachable, "reading from vhrd failed: \(error)")
            }
            guard count > 0 else {
                throw CommandFailure(.unreachable, "vhrd closed the connection")
            }
            framer.append(buffer[0..<count])
        }
    }
}
