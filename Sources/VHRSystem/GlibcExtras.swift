import Glibc

// Linux functions that Swift's Glibc module hides because glibc declares them only under
// `_GNU_SOURCE`, which the module is not built with. We need them for close-on-exec without
// a window: `accept4` and `pipe2` set the flag atomically, where `accept` + `fcntl` would let a
// concurrent fork/exec inherit the descriptor. They are part of glibc's stable ABI since 2.10,
// so resolving them by name is safe; a missing symbol means an unsupported libc.

typealias Accept4Function =
    @convention(c) (CInt, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, CInt) -> CInt
typealias Pipe2Function = @convention(c) (UnsafeMutablePointer<CInt>?, CInt) -> CInt

/// The C function `accept4`.
let system_accept4: Accept4Function = resolveGlibcFunction("accept4", as: Accept4Function.self)
/// The C function `pipe2`.
let system_pipe2: Pipe2Function = resolveGlibcFunction("pipe2", as: Pipe2Function.self)

/// The `ucred` structure filled in by `SO_PEERCRED` (also hidden behind `_GNU_SOURCE`).
struct LinuxPeerCredentials {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}

private func resolveGlibcFunction<Function>(_ name: String, as type: Function.Type) -> Function {
    // RTLD_DEFAULT is the null handle on glibc: search the global symbol scope.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
        fatalError("glibc does not export \(name); vhr needs glibc 2.10 or later")
    }
    return unsafeBitCast(symbol, to: type)
}
