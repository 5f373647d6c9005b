import Glibc

/// The few file-system operations vhrd needs for its state directory and device profiles.
public enum Directories {
    /// Creates `path` and any missing parents (like `mkdir -p`). A directory created here gets
    /// exactly `mode`, regardless of the umask; parents get 0755; existing ones are left alone.
    ///
    /// - Throws: `FileSystemError` naming the path; `ENOTDIR` when a file is in the way.
    ///
    /// The corresponding C functions are `mkdir`, `chmod` and `stat`.
    public static func ensureDirectory(path: String, mode: UInt32 = 0o755) throws(FileSystemError) {
        precondition(!path.isEmpty, "ensureDirectory needs a path")
        var prefix = path.hasPrefix("/") ? "/" : ""
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, component) in components.enumerated() {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            let isLast = index == components.count - 1
            let directoryMode = isLast ? mode : 0o755
            let current = prefix
            do throws(Errno) {
                _ = try SystemCall.run("mkdir") { mkdir(current, mode_t(directoryMode)) }
                // mkdir applies the umask; the caller asked for this exact mode.
                _ = try SystemCall.run("chmod") { chmod(current, mode_t(directoryMode)) }
            } catch  where error == .fileExists {
                guard isDirectory(current) else {
                    throw FileSystemError(path: current, operation: "mkdir", errno: .notDirectory)
                }
            } catch {
                throw FileSystemError(path: current, operation: "mkdir", errno: error)
            }
        }
    }

    /// The bytes an unprivileged process may still write on the file system holding `path`
    /// (the blocks reserved for root do not count: vhrd does not run as root).
    ///
    /// - Throws: `FileSystemError` naming the path.
    ///
    /// The corresponding C function is `statvfs`.
    public static func availableBytes(path: String) throws(FileSystemError) -> UInt64 {
        var info = statvfs()
        do throws(Errno) {
            _ = try SystemCall.run("statvfs") { statvfs(path, &info) }
        } catch {
            throw FileSystemError(path: path, operation: "statvfs", errno: error)
        }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// Reads a whole file.
    ///
    /// - Throws: `FileSystemError` naming the path.
    ///
    /// The corresponding C functions are `open` and `read`.
    public static func readFile(path: String) throws(FileSystemError) -> [UInt8] {
        let fd: FileDescriptor
        do throws(Errno) {
            fd = try FileDescriptor.open(path, .readOnly)
        } catch {
            throw FileSystemError(path: path, operation: "open", errno: error)
        }
        defer { try? fd.close() }
        var contents: [UInt8] = []
        while true {
            do throws(Errno) {
                guard case .value(let chunk) = try fd.read(upToCount: 64 * 1024) else {
                    throw Errno.wouldBlock  // a regular file never would-blocks; a FIFO might
                }
                if chunk.isEmpty { return contents }
                contents += chunk
            } catch {
                throw FileSystemError(path: path, operation: "read", errno: error)
            }
        }
    }

    /// Replaces the file at `path` with `bytes` so that a crash or power cut leaves either the old
    /// file or the new one, never a mix: written to a temporary file beside it, flushed, renamed
    /// over it, and the directory flushed so the rename itself survives.
    ///
    /// - Throws: `FileSystemError` naming the path and the step that failed (a full disk fails
    ///   at `write` or `fsync` and leaves the old file as it was).
    ///
    /// The corresponding C functions are `open`, `write`, `fsync`, `rename` and `unlink`.
    public static func writeFileAtomically(path: String, bytes: [UInt8], permissions: UInt32 = 0o600)
        throws(FileSystemError)
    {
        let temporary = path + ".tmp"
        let fd: FileDescriptor
        do throws(Errno) {
            fd = try FileDescriptor.open(
                temporary, .writeOnly, options: [.create, .truncate], permissions: permissions)
        } catch {
            throw FileSystemError(path: temporary, operation: "open", errno: error)
        }
        var step = "write"
        do throws(Errno) {
            try fd.writeAll(bytes)
            step = "fsync"
            _ = try SystemCall.run("fsync") { fsync(fd.rawValue) }
            step = "close"
            try fd.close()
        } catch {
            if step != "close" { try? fd.close() }
            _ = unlink(temporary)
            throw FileSystemError(path: temporary, operation: step, errno: error)
        }
        do throws(Errno) {
            _ = try SystemCall.run("rename") { rename(temporary, path) }
        } catch {
            _ = unlink(temporary)
            throw FileSystemError(path: path, operation: "rename", errno: error)
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        do throws(Errno) {
            let directoryFD = try FileDescriptor.open(directory, .readOnly, options: [.directory])
            defer { try? directoryFD.close() }
            _ = try SystemCall.run("fsync") { fsync(directoryFD.rawValue) }
        } catch {
            throw FileSystemError(path: directory, operation: "fsync", errno: error)
        }
    }

    /// The names in a directory, sorted, without "." and "..".
    ///
    /// - Throws: `FileSystemError` naming the path.
    ///
    /// The corresponding C functions are `opendir`, `readdir` and `closedir`.
    public static func listDirectory(path: String) throws(FileSystemError) -> [String] {
        let directory: OpaquePointer
        do throws(Errno) {
            directory = try SystemCall.runReturningPointer("opendir") { opendir(path) }
        } catch {
            throw FileSystemError(path: path, operation: "opendir", errno: error)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            // readdir signals both "end" and "error" with NULL; only errno tells them apart.
            Glibc.errno = 0
            guard let entry = readdir(directory) else {
                let error = Errno.current
                if error.rawValue != 0 { throw FileSystemError(path: path, operation: "readdir", errno: error) }
                return names.sorted()
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// Whether anything (file, directory, socket, …) exists at `path`. A dangling symbolic link
    /// counts as not existing.
    ///
    /// The corresponding C function is `stat`.
    public static func fileExists(path: String) -> Bool {
        var status = stat()
        return (try? SystemCall.run("stat") { stat(path, &status) }) != nil
    }

    /// Removes a file (a socket the daemon created, say); a file already gone is not an error.
    ///
    /// The corresponding C function is `unlink`.
    public static func removeFile(path: String) throws(FileSystemError) {
        do {
            _ = try SystemCall.run("unlink") { unlink(path) }
        } catch  where error == .noSuchFileOrDirectory {
            return
        } catch {
            throw FileSystemError(path: path, operation: "unlink", errno: error)
        }
    }

    /// Whether `path` is a directory (following symbolic links).
    ///
    /// The corresponding C function is `stat`.
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        guard (try? SystemCall.run("stat") { stat(path, &status) }) != nil else { return false }
        return status.st_mode & S_IFMT == S_IFDIR
    }
}
