import Foundation

/// Where the lab's programs and fixtures are: the venv `scripts/install-fhir-lab.sh` makes
/// (`.build-fhirlab/venv` in the repo, or `VHR_FHIRLAB_VENV`) and `Tests/Fixtures/fhirlab/`.
public struct FHIRLabVenv: Sendable {
    /// The environment variable that names another venv.
    public static let variable = "VHR_FHIRLAB_VENV"

    /// The venv's root directory.
    public let path: String

    /// The repository's root, found from this source file's path.
    public static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// `Tests/Fixtures/fhirlab/`: the fault addon, the process guard, the profile checks, the
    /// server's settings template.
    public static var fixtures: URL { repository.appendingPathComponent("Tests/Fixtures/fhirlab") }

    /// The venv in use, after checking that every program the lab runs is installed.
    ///
    /// - Throws: `FHIRLabError` naming the install script when anything is missing. Never a skip:
    ///   the tests that use the lab exist to run vhr against these real components.
    public static func located() throws -> FHIRLabVenv {
        try located(at: ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The venv at `configured`, or the repository's when `nil`, after the same check.
    public static func located(at configured: String?) throws -> FHIRLabVenv {
        let venv = FHIRLabVenv(
            path: configured ?? repository.appendingPathComponent(".build-fhirlab/venv").path)
        for program in ["python", "sekmet", "mitmdump", "fhirkit", "pyfhircheck"] {
            guard FileManager.default.isExecutableFile(atPath: venv.bin(program)) else {
                throw FHIRLabError(
                    "the FHIR lab is not installed: \(venv.bin(program)) is missing; run scripts/install-fhir-lab.sh"
                        + (configured == nil ? "" : " with \(variable)=\(venv.path)"))
            }
        }
        return venv
    }

    /// A program in the venv's `bin/`.
    public func bin(_ program: String) -> String { path + "/bin/" + program }

    /// A file in `Tests/Fixtures/fhirlab/`.
    public static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
}
