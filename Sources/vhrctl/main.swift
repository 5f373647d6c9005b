import Foundation
import VHRCtlKit

// Everything lives in VHRCtlKit so tests can run the commands in-process.
exit(VHRCtl.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
