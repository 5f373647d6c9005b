import VHRCore
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Writing to the terminal or pipe: text lines, JSON, and raw bytes for audio.
enum Output {
    static func line(_ text: String) {
        write(Array((text + "\n").utf8), to: .standardOutput)
    }

    static func json(_ value: JSONValue) {
        line(value.jsonLine())
    }

    static func error(_ text: String) {
        write(Array((text + "\n").utf8), to: .standardError)
    }

    /// Progress for a person watching: rewritten in place on a terminal, skipped otherwise
    /// unless `always`.
    static func progress(_ text: String, always: Bool = false) {
        if isatty(2) == 1 {
            write(Array(("\r\u{1B}[K" + text).utf8), to: .standardError)
        } else if always {
            error(text)
        }
    }

    static func endProgress() {
        if isatty(2) == 1 { write(Array("\r\u{1B}[K".utf8), to: .standardError) }
    }

    @discardableResult
    static func write(_ bytes: [UInt8], to fd: FileDescriptor) -> Bool {
        do {
            try fd.writeAll(bytes)
            return true
        } catch {
            return false
        }
    }
}
