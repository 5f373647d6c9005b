/// `vhrctl`'s exit statuses; docs/vhrctl.md lists the same table.
public enum ExitCode: Int32, Sendable, CaseIterable {
    /// Done.
    case ok = 0
    /// vhrd answered, and the answer was no: the request was refused or the measurement failed.
    case failed = 1
    /// The command line is wrong.
    case usage = 2
    /// vhrd could not be reached: not running, wrong runtime directory, or no permission on the socket.
    case unreachable = 3
    /// vhrd refused this user: no role in the room, or not the role the command needs.
    case notAllowed = 4
    /// vhrd sent something this vhrctl does not understand, or the audio stream broke.
    case protocolError = 5
}

/// A failure that ends the command with a message and an exit status.
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
    public var exitCode: ExitCode
    public var message: String
    public var hint: String?

    public init(_ exitCode: ExitCode, _ message: String, hint: String? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}
