// libFuzzer entry points for every pure decoder in VHRCore, built by scripts/fuzz.sh.
//
// The decoders are compiled into this same module (`-module-name VHRCore`), so internal API is
// reachable without `@testable`. One binary serves every target: compiling VHRCore is the slow
// part, so the target is chosen at run time by `VHR_FUZZ_TARGET` rather than built once each.
import Foundation

/// The fuzz targets by name, each one function taking the input bytes.
let fuzzTargets: [String: ([UInt8]) -> Void] = [
    "apdu": fuzzAPDU,
    "suntech": fuzzSunTech,
    "omron": fuzzOmron,
    "ble-bpm": fuzzBluetoothBPM,
    "wav": fuzzWAV,
    "control": fuzzControl,
    "stream": fuzzStream,
    "config": fuzzConfig,
    "profile": fuzzProfile,
]

/// Resolved once: the environment does not change while the fuzzer runs.
nonisolated(unsafe) var selectedTarget: (([UInt8]) -> Void)?

/// Picks the target, or writes generated seeds and exits when `VHR_FUZZ_SEEDS_OUT` is set
/// (seeds such as stream frames are easiest made with the encoders under test).
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    let environment = ProcessInfo.processInfo.environment
    if let directory = environment["VHR_FUZZ_SEEDS_OUT"] {
        writeGeneratedSeeds(to: directory)
        exit(0)
    }
    let name = environment["VHR_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        let known = fuzzTargets.keys.sorted().joined(separator: ", ")
        FileHandle.standardError.write(Data("set VHR_FUZZ_TARGET to one of: \(known)\n".utf8))
        exit(2)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?(bytes)
    return 0
}

/// Writes seeds made by the encoders into `directory/<target>/`.
func writeGeneratedSeeds(to directory: String) {
    let seeds: [(String, [UInt8])] =
        streamSeeds().map { ("stream", $0) } + controlSeeds().map { ("control", $0) }
        + wavSeeds().map { ("wav", $0) }
    for (index, seed) in seeds.enumerated() {
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(seed.0)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? Data(seed.1).write(to: folder.appendingPathComponent("generated-\(index)"))
    }
}
