import Foundation
import VHRCore

/// The offline FHIR checks every Bundle vhr emits must pass, each run on a JSON file.
public enum FHIRLabValidator: String, Sendable, CaseIterable {
    /// `fhirkit validate FILE` (fhirkit-rs): R4 4.0.1 structure, cardinality and types.
    case fhirkit
    /// `pyfhircheck file FILE --agent-output`: required bindings and Bundle rules; passes with 0 errors.
    case pyfhircheck
    /// `check_vitals_profile.py FILE`: the vital-signs, bp and heart-rate profile rules and the
    /// kiosk's identifier and `ifNoneExist` rule.
    case vitalsProfile

    /// Runs the check on `file`.
    public func check(_ file: String, venv: FHIRLabVenv? = nil) async throws -> FHIRLabValidation {
        let venv = try venv ?? FHIRLabVenv.located()
        // pyfhircheck writes an evidence/ folder in its working directory: give it a scratch one.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-fhirlab-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output: FHIRLabCommand.Output
        switch self {
        case .fhirkit:
            output = try await FHIRLabCommand.run(venv.bin("fhirkit"), ["validate", file], in: scratch.path)
        case .pyfhircheck:
            output = try await FHIRLabCommand.run(
                venv.bin("pyfhircheck"), ["file", file, "--agent-output"], in: scratch.path)
        case .vitalsProfile:
            output = try await FHIRLabCommand.run(
                venv.bin("python"), [FHIRLabVenv.fixture("check_vitals_profile.py"), file], in: scratch.path)
        }
        var errors: Int? = nil
        if self == .pyfhircheck {
            let report = try? JSONValue(parsing: String(decoding: output.stdout, as: UTF8.self))
            errors = report?["counts"]?["errors"]?.intValue.map(Int.init)
        }
        return FHIRLabValidation(
            validator: self, file: file, exitCode: output.status, errorCount: errors, output: output.text)
    }
}

/// One validator's verdict on one file.
public struct FHIRLabValidation: Sendable, CustomStringConvertible {
    public var validator: FHIRLabValidator
    public var file: String
    public var exitCode: Int32
    /// The error count the validator reported, where it reports one (pyfhircheck).
    public var errorCount: Int?
    /// What it printed, for the test's failure message.
    public var output: String

    /// Exit 0 and, where counted, 0 errors.
    public var passed: Bool { exitCode == 0 && (validator != .pyfhircheck || errorCount == 0) }

    public var description: String {
        "\(validator.rawValue) \(file): exit \(exitCode)\(errorCount.map { ", \($0) errors" } ?? "")\n\(output)"
    }
}
