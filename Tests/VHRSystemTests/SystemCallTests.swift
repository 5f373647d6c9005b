import Glibc
import Testing
import VHRSystem

@Suite struct SystemCallTests {
    @Test func retriesInterruptedCallsUntilTheyFinish() throws {
        var calls = 0
        let result = try SystemCall.run("fake") { () -> CInt in
            calls += 1
            if calls < 3 {
                Glibc.errno = EINTR
                return -1
            }
            return 42
        }
        #expect(result == 42)
        #expect(calls == 3)
    }

    @Test func doesNotRetryWhenAskedNotTo() {
        var calls = 0
        #expect(throws: Errno.interrupted) {
            _ = try SystemCall.run("fake", retryOnInterrupt: false) { () -> CInt in
                calls += 1
                Glibc.errno = EINTR
                return -1
            }
        }
        #expect(calls == 1)
    }

    @Test func mapsWouldBlockOnlyWhereAsked() throws {
        let nonBlocking = try SystemCall.runNonBlocking("fake") { () -> Int in
            Glibc.errno = EWOULDBLOCK
            return -1
        }
        #expect(nonBlocking == .wouldBlock)
        #expect(throws: Errno.wouldBlock) {
            _ = try SystemCall.run("fake") { () -> Int in
                Glibc.errno = EAGAIN
                return -1
            }
        }
    }

    @Test func throwsOtherErrorsAsErrno() {
        #expect(throws: Errno.permissionDenied) {
            _ = try SystemCall.runNonBlocking("fake") { () -> CInt in
                Glibc.errno = EACCES
                return -1
            }
        }
    }

    @Test func passesNonNegativeResultsThrough() throws {
        #expect(try SystemCall.runNonBlocking("fake") { 0 as Int } == .value(0))
        #expect(try SystemCall.run("fake") { 7 as CInt } == 7)
    }

    @Test func returnedErrorConvention() throws {
        var calls = 0
        try SystemCall.runReturningError("fake") {
            calls += 1
            return calls == 1 ? EINTR : 0
        }
        #expect(calls == 2)
        #expect(throws: Errno(rawValue: ERANGE)) { try SystemCall.runReturningError("fake") { ERANGE } }
    }

    @Test func pointerConvention() {
        #expect(throws: Errno.noSuchFileOrDirectory) {
            _ = try SystemCall.runReturningPointer("opendir") { opendir("/nonexistent/vhr") }
        }
    }

    @Test func errnoDescriptionUsesStrerror() {
        #expect(Errno.noSuchFileOrDirectory.description == "No such file or directory (errno 2)")
        #expect(Errno(rawValue: EPIPE) == .brokenPipe)
    }
}
