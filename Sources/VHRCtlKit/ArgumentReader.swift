/// A small reader for `vhrctl`'s arguments: words in order, `--flag value` and `--flag=value`.
struct ArgumentReader {
    private var arguments: [String]

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    var isEmpty: Bool { arguments.isEmpty }

    /// Removes and returns the next word that is not an option.
    mutating func nextWord() -> String? {
        guard let index = arguments.firstIndex(where: { !$0.hasPrefix("-") || $0 == "-" }) else { return nil }
        return arguments.remove(at: index)
    }

    /// Removes a boolean flag wherever it is.
    mutating func flag(_ names: String...) -> Bool {
        var found = false
        arguments.removeAll { argument in
            let hit = names.contains(argument)
            found = found || hit
            return hit
        }
        return found
    }

    /// Removes `--name value` or `--name=value` wherever it is.
    mutating func option(_ name: String) throws(CommandFailure) -> String? {
        var value: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == name {
                guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
                    throw CommandFailure(.usage, "\(name) needs a value")
                }
                value = arguments[index + 1]
                arguments.removeSubrange(index...(index + 1))
            } else if argument.hasPrefix(name + "=") {
                value = String(argument.dropFirst(name.count + 1))
                arguments.remove(at: index)
            } else {
                index += 1
            }
        }
        return value
    }

    /// Fails if anything is left over.
    func finish() throws(CommandFailure) {
        if let first = arguments.first {
            throw CommandFailure(.usage, "unexpected argument '\(first)'")
        }
    }
}
