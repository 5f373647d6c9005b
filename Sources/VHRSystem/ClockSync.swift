import Glibc

/// Whether the kernel considers the system clock synchronised, read with `adjtimex(2)` in
/// read-only mode (`modes` 0): no privilege needed, nothing changed.
///
/// NTP daemons (systemd-timesyncd, chrony) clear `STA_UNSYNC` once they discipline the clock;
/// until then `adjtimex` returns `TIME_ERROR`.
public struct ClockSync: Sendable, Equatable {
    /// Whether the clock is synchronised: not `TIME_ERROR` and `STA_UNSYNC` clear.
    public var synchronized: Bool
    /// The clock state `adjtimex` returned (`TIME_OK` 0 … `TIME_ERROR` 5).
    public var state: Int32
    /// The kernel's `status` bits (`STA_*`).
    public var status: Int32
    /// The maximum error the kernel estimates, microseconds.
    public var maxErrorMicroseconds: Int64
    /// The estimated error, microseconds.
    public var estimatedErrorMicroseconds: Int64

    /// `STA_UNSYNC` from <linux/timex.h>: the clock is not synchronised.
    public static let unsynchronizedBit: Int32 = 0x0040
    /// `TIME_ERROR`: the clock is not synchronised.
    public static let timeError: Int32 = 5

    public init(
        state: Int32, status: Int32, maxErrorMicroseconds: Int64 = 0, estimatedErrorMicroseconds: Int64 = 0
    ) {
        self.state = state
        self.status = status
        self.maxErrorMicroseconds = maxErrorMicroseconds
        self.estimatedErrorMicroseconds = estimatedErrorMicroseconds
        synchronized = state != Self.timeError && status & Self.unsynchronizedBit == 0
    }

    /// Reads the kernel's clock state.
    /// - Throws: The `Errno` of `adjtimex` (it does not fail with modes 0 on Linux).
    ///
    /// The corresponding C function is `adjtimex`.
    public static func read() throws(Errno) -> ClockSync {
        // 64-bit `struct timex` (208 bytes); zeroed, so `modes` is 0: read only, nothing set.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Layout.size, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Layout.size)
        let state = try SystemCall.run("adjtimex") { adjtimexFunction(buffer) }
        return ClockSync(
            state: state, status: buffer.load(fromByteOffset: Layout.status, as: Int32.self),
            maxErrorMicroseconds: buffer.load(fromByteOffset: Layout.maxError, as: Int64.self),
            estimatedErrorMicroseconds: buffer.load(fromByteOffset: Layout.estimatedError, as: Int64.self))
    }

    /// Offsets in the 64-bit `struct timex` of <bits/timex.h>: Swift's Glibc module does not
    /// import <sys/timex.h>, so the fields read are addressed by hand. vhr builds for 64-bit only.
    private enum Layout {
        static let size = 256  // 208 needed; the rest is margin
        static let maxError = 24
        static let estimatedError = 32
        static let status = 40
    }

    private typealias AdjtimexFunction = @convention(c) (UnsafeMutableRawPointer?) -> CInt

    /// `adjtimex`, resolved by name: glibc exports it (stable ABI) but Glibc does not import it.
    private static let adjtimexFunction: AdjtimexFunction = {
        precondition(MemoryLayout<Int>.size == 8, "ClockSync reads the 64-bit struct timex")
        // RTLD_DEFAULT is the null handle on glibc: search the global symbol scope.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "adjtimex") else {
            fatalError("glibc does not export adjtimex")
        }
        return unsafeBitCast(symbol, to: AdjtimexFunction.self)
    }()
}
