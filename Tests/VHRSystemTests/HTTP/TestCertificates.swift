import Foundation
import VHRTestSupport

/// A throwaway certificate authority and server certificates for loopback TLS tests, made with
/// the `openssl` command at test time (EC P-256 keys, valid for two days unless expired on purpose).
struct TestCertificates {
    /// The CA's certificate, to trust through `caFile`.
    let caFile: String
    /// Signed by the CA for `IP:127.0.0.1`: the good one.
    let loopback: (certificate: String, key: String)
    /// Signed by the CA for `DNS:other.example` only: the wrong name.
    let otherName: (certificate: String, key: String)
    /// Signed by the CA for `IP:127.0.0.1`, but its validity ended before it began.
    let expired: (certificate: String, key: String)

    /// Generates everything into `directory`.
    ///
    /// - Throws: `HTTPTestServerError` when openssl is missing or fails: never a skip.
    static func make(in directory: String) async throws -> TestCertificates {
        let openssl = try executable("openssl")
        return try await onDedicatedThread("openssl") {
            func run(_ arguments: [String]) throws {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: openssl)
                process.arguments = arguments
                process.currentDirectoryURL = URL(fileURLWithPath: directory)
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                let said = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    throw HTTPTestServerError(
                        "openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: said, as: UTF8.self))")
                }
            }
            let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            try run(
                ["req", "-x509"] + key + [
                    "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=vhr test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ])
            func server(_ name: String, subjectAltName: String, days: String, serial: String) throws -> (String, String)
            {
                let extensions = "\(directory)/\(name).ext"
                try "subjectAltName=\(subjectAltName)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                    .write(toFile: extensions, atomically: true, encoding: .utf8)
                try run(
                    ["req", "-new"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=vhr test"])
                // A negative -days makes notAfter fall before notBefore (now): an expired certificate.
                try run([
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", serial,
                    "-days", days, "-extfile", extensions, "-out", "\(name).pem",
                ])
                return ("\(directory)/\(name).pem", "\(directory)/\(name).key")
            }
            return TestCertificates(
                caFile: "\(directory)/ca.pem",
                loopback: try server("loopback", subjectAltName: "IP:127.0.0.1", days: "2", serial: "2"),
                otherName: try server("other", subjectAltName: "DNS:other.example", days: "2", serial: "3"),
                expired: try server("expired", subjectAltName: "IP:127.0.0.1", days: "-1", serial: "4"))
        }
    }
}
