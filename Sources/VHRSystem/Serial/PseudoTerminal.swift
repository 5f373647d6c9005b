import Glibc

/// A new pseudo-terminal: the controlling end (the "master") held here, and the path of the
/// terminal end (`/dev/pts/N`) that a ``SerialPort`` opens like any serial device.
///
/// Tests use it to put a fake device at the other end of a real tty; closing ``controller`` is
/// what unplugging looks like to the port (a hang-up). The kernel forces 8 data bits and no
/// parity on a pty, so only 8N1 settings can be opened on one.
public struct PseudoTerminal: Sendable {
    /// The controlling end; whatever is written here the port reads, and the other way round.
    /// Whoever made the pseudo-terminal closes it, exactly once.
    public let controller: FileDescriptor
    /// The terminal end's device node, e.g. `/dev/pts/3`.
    public let terminalPath: String

    /// Opens a new pseudo-terminal, close-on-exec, and unlocks its terminal end.
    ///
    /// - Throws: The `Errno` from the failing call (`ENOENT` without `/dev/ptmx`, `ENOSPC` when
    ///   the system is out of ptys).
    ///
    /// What `posix_openpt`, `unlockpt` and `ptsname_r` do on Linux (Swift's Glibc module hides
    /// them): `open("/dev/ptmx")`, `ioctl(TIOCSPTLCK)` and `ioctl(TIOCGPTN)`.
    public static func open() throws(Errno) -> PseudoTerminal {
        let controller = try FileDescriptor.open(
            "/dev/ptmx", .readWrite, options: FileDescriptor.OpenOptions(rawValue: O_NOCTTY))
        let fd = controller.rawValue
        do throws(Errno) {
            var unlock: CInt = 0
            _ = try SystemCall.run("ioctl") { ioctl(fd, lockRequest, &unlock) }
            var number: CUnsignedInt = 0
            _ = try SystemCall.run("ioctl") { ioctl(fd, numberRequest, &number) }
            return PseudoTerminal(controller: controller, terminalPath: "/dev/pts/\(number)")
        } catch {
            controller.closeIgnoringErrors()
            throw error
        }
    }

    // <asm-generic/ioctls.h>: _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned int), which
    // Swift cannot import because they are function-like macros. Same values on x86-64 and arm64.
    private static let lockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430
}
