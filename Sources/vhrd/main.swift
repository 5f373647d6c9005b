import Foundation
import VHRServices

// Everything lives in VHRServices so tests can run the daemon in-process.
exit(
    await Daemon.main(
        arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
