import Foundation

/// The run history file exists but cannot be used; vhrd writes a fresh one at its next start.
public struct RunHistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        "the run history \(path) cannot be read: \(problem); vhrd starts a new one at its next start"
    }
}
