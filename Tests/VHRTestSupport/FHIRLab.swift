import Foundation
import Glibc
import Synchronization
import VHRCore

/// A real FHIR R4 server (sekmet-fhir) on loopback with a fault-injecting reverse proxy
/// (mitmproxy and `Tests/Fixtures/fhirlab/fhir_faults.py`) in front of it, for tests that upload
/// to something real.
///
/// ``start(_:)`` picks free ports, starts the server in a temporary data directory, waits until
/// `/metadata` answers, creates the patients, then starts the proxy (plain HTTP and TLS on one
/// port, with mitmproxy's own CA in ``caFile``). The server's counts are read directly, never
/// through the proxy, so a fault never distorts the oracle. ``stop()`` ends both; `deinit` kills
/// them too, so a failing test leaves nothing running, and each child also exits by itself when
/// the test process dies (`run_guarded.py`).
public final class FHIRLab: Sendable {
    /// How to set the lab up.
    public struct Options: Sendable {
        /// Personnummer of the patients created before the test (the Bundles refer to them by
        /// identifier, and an unknown patient fails the whole transaction).
        public var patients: [String] = [FHIRLab.testPatient]
        /// Start the fault proxy.
        public var proxy = true
        /// When set, the server accepts only `Authorization: Bearer <token>`.
        public var bearerToken: String?
        /// How long each program may take to answer after it starts (a loaded 2-core CI machine is slow).
        public var startupTimeout: Duration = .seconds(120)

        public init() {}
    }

    /// The test personnummer widely used in Sweden (the research vectors' patient).
    public static let testPatient = "191212121212"

    /// The server's FHIR base, directly: `http://127.0.0.1:PORT/fhir`.
    public let serverURL: String
    /// The FHIR base through the fault proxy, plain HTTP.
    public let proxyURL: String
    /// The FHIR base through the fault proxy over TLS; trust ``caFile`` to reach it.
    public let proxyTLSURL: String
    /// mitmproxy's CA certificate (PEM), which signs the proxy's certificate for 127.0.0.1.
    public let caFile: String
    /// The lab's temporary directory (settings, data, logs, the fault control file).
    public let directory: String
    /// The bearer token the server requires, if any.
    public let bearerToken: String?
    /// The venv the programs come from.
    public let venv: FHIRLabVenv

    private let children: Mutex<[Child]>
    private let faultSerial = Atomic<Int>(0)
    private var controlFile: String { directory + "/fault-control.json" }
    private var statsFile: String { directory + "/fault-stats.json" }

    private struct Child: @unchecked Sendable {
        // Only signalled and polled; Foundation reaps it on its own thread.
        let process: Process
        let name: String
        let log: String
    }

    private init(
        directory: String, serverPort: Int, proxyPort: Int, bearerToken: String?, venv: FHIRLabVenv
    ) {
        self.directory = directory
        self.serverURL = "http://127.0.0.1:\(serverPort)/fhir"
        self.proxyURL = "http://127.0.0.1:\(proxyPort)/fhir"
        self.proxyTLSURL = "https://127.0.0.1:\(proxyPort)/fhir"
        self.caFile = directory + "/mitmproxy/mitmproxy-ca-cert.pem"
        self.bearerToken = bearerToken
        self.venv = venv
        self.children = Mutex([])
    }

    deinit {
        killChildren()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server (and the proxy), creates the patients, and returns when all answer.
    ///
    /// - Throws: `FHIRLabError` when the venv is missing (run `scripts/install-fhir-lab.sh`), a
    ///   program exits or does not answer in time (with the end of its log), or a patient is refused.
    public static func start(_ options: Options = Options()) async throws -> FHIRLab {
        let venv = try FHIRLabVenv.located()
        var lastError: (any Error)?
        // A port found free can be taken by another test before the server binds it: try again.
        for _ in 0..<3 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "vhr-fhirlab-\(UUID().uuidString)"
            ).path
            try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
            let lab = FHIRLab(
                directory: directory, serverPort: try freePort(), proxyPort: try freePort(),
                bearerToken: options.bearerToken, venv: venv)
            do {
                try await lab.startServer(timeout: options.startupTimeout)
                for patient in options.patients { try await lab.createPatient(personnummer: patient) }
                if options.proxy { try await lab.startProxy(timeout: options.startupTimeout) }
                return lab
            } catch {
                lastError = error
                await lab.stop()
            }
        }
        throw lastError ?? FHIRLabError("the FHIR lab did not start")
    }

    /// Starts a lab, runs `body` with it, and stops the lab whether `body` returns or throws.
    public static func with<T>(
        _ options: Options = Options(), _ body: (FHIRLab) async throws -> T
    ) async throws -> T {
        let lab = try await start(options)
        do {
            let result = try await body(lab)
            await lab.stop()
            return result
        } catch {
            await lab.stop()
            throw error
        }
    }

    /// Ends the server and the proxy and removes the temporary directory.
    public func stop() async {
        let running = killChildren()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while running.contains(where: { $0.process.isRunning }) && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// SIGKILL: the server's state is a temporary directory nobody reads afterwards.
    @discardableResult
    private func killChildren() -> [Child] {
        children.withLock { children in
            for child in children where child.process.isRunning {
                kill(child.process.processIdentifier, SIGKILL)
            }
            return children
        }
    }

    // MARK: - Faults

    /// Switches the proxy's fault; it applies from the next request on.
    public func setFault(_ fault: FHIRLabFault) throws {
        let serial = faultSerial.add(1, ordering: .relaxed).newValue
        let data = try JSONSerialization.data(
            withJSONObject: fault.controlObject(serial: serial), options: [.sortedKeys])
        // Atomic (a temporary file renamed over), so the addon never reads half a file.
        try data.write(to: URL(fileURLWithPath: controlFile), options: .atomic)
    }

    /// What the proxy did under the fault last set with ``setFault(_:)``.
    public func faultStats() throws -> FHIRLabFaultStats {
        let serial = faultSerial.load(ordering: .relaxed)
        guard let data = FileManager.default.contents(atPath: statsFile),
            let stats = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)),
            stats["serial"]?.intValue == Int64(serial)
        else {
            // No request has reached the proxy since the fault was set.
            return FHIRLabFaultStats(requests: 0, passed: 0, faulted: [:])
        }
        var faulted: [FHIRLabFault.Mode: Int] = [:]
        for (name, count) in stats["faulted"]?.objectValue ?? [:] {
            guard let mode = FHIRLabFault.Mode(rawValue: name), let count = count.intValue else {
                throw FHIRLabError("the fault proxy reported an unknown mode \(name)")
            }
            faulted[mode] = Int(count)
        }
        return FHIRLabFaultStats(
            requests: Int(stats["requests"]?.intValue ?? 0), passed: Int(stats["passed"]?.intValue ?? 0),
            faulted: faulted)
    }

    // MARK: - The server's contents (read directly, never through the proxy)

    /// How many resources of `type` carry `identifier` (`system|value`), by the server's
    /// `_summary=count` search.
    public func count(_ type: String = "Observation", identifier: String) async throws -> Int {
        let response = try await get(
            serverURL + "/" + type, query: ["identifier": identifier, "_summary": "count"])
        guard response.status == 200, let total = response.json?["total"]?.intValue else {
            throw FHIRLabError("counting \(type) \(identifier) failed: \(Self.describe(response))")
        }
        return Int(total)
    }

    /// Every resource of `type` on the server, following the search's `next` pages.
    public func resources(_ type: String = "Observation") async throws -> [JSONValue] {
        var resources: [JSONValue] = []
        var next: String? = serverURL + "/" + type + "?_count=1000"
        while let url = next {
            let response = try await get(url, query: [:])
            guard response.status == 200, let page = response.json else {
                throw FHIRLabError("listing \(type) failed: \(Self.describe(response))")
            }
            resources += page["entry"]?.arrayValue?.compactMap { $0["resource"] } ?? []
            next = page["link"]?.arrayValue?.first { $0["relation"] == "next" }?["url"]?.stringValue
        }
        return resources
    }

    /// Every Observation on the server.
    public func observations() async throws -> [JSONValue] { try await resources("Observation") }

    /// The identifiers (`system|value`) of every resource of `type`, one per identifier a
    /// resource carries: a duplicate on the server shows as a repeated token.
    public func identifiers(_ type: String = "Observation") async throws -> [String] {
        try await resources(type).flatMap { resource in
            (resource["identifier"]?.arrayValue ?? []).compactMap { identifier in
                guard let system = identifier["system"]?.stringValue, let value = identifier["value"]?.stringValue
                else { return nil }
                return system + "|" + value
            }
        }
    }

    // MARK: - HTTP

    /// POSTs `body` (FHIR JSON) to `base` + `path`; a transaction Bundle goes to the base itself.
    /// Over `https` the proxy's CA is trusted; the server's bearer token is sent when it has one.
    public func post(
        _ body: Data, to base: String, path: String = "", timeout: Duration = .seconds(60)
    ) async throws -> FHIRLabResponse {
        let bodyFile = directory + "/post-\(UUID().uuidString).json"
        try body.write(to: URL(fileURLWithPath: bodyFile))
        defer { try? FileManager.default.removeItem(atPath: bodyFile) }
        return try await curl(
            ["-X", "POST", "-H", "Content-Type: application/fhir+json", "--data-binary", "@" + bodyFile, base + path],
            timeout: timeout)
    }

    /// GETs `url` with `query` (encoded by curl).
    public func get(_ url: String, query: [String: String], timeout: Duration = .seconds(60)) async throws
        -> FHIRLabResponse
    {
        var arguments = ["-G"]
        for (name, value) in query.sorted(by: { $0.key < $1.key }) {
            arguments += ["--data-urlencode", name + "=" + value]
        }
        return try await curl(arguments + [url], timeout: timeout)
    }

    private func curl(_ arguments: [String], timeout: Duration) async throws -> FHIRLabResponse {
        let bodyFile = directory + "/response-\(UUID().uuidString)"
        let headerFile = bodyFile + ".headers"
        defer {
            try? FileManager.default.removeItem(atPath: bodyFile)
            try? FileManager.default.removeItem(atPath: headerFile)
        }
        var common = [
            "-sS", "-o", bodyFile, "-D", headerFile, "-w", "%{http_code}", "-H", "Accept: application/fhir+json",
            "--max-time", String(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18),
        ]
        if FileManager.default.fileExists(atPath: caFile) { common += ["--cacert", caFile] }
        // The token goes through a header file, not the command line other processes can read.
        if let bearerToken {
            let authFile = directory + "/auth-header"
            if !FileManager.default.fileExists(atPath: authFile) {
                try Data("Authorization: Bearer \(bearerToken)\n".utf8).write(to: URL(fileURLWithPath: authFile))
            }
            common += ["-H", "@" + authFile]
        }
        let curl = try Self.curlPath()
        let output = try await FHIRLabCommand.run(curl, common + arguments, timeout: timeout + .seconds(30))
        let code = Int(String(decoding: output.stdout, as: UTF8.self)) ?? 0
        return FHIRLabResponse(
            status: code == 0 ? nil : code, body: FileManager.default.contents(atPath: bodyFile) ?? Data(),
            headers: FHIRLabResponse.headerFields((try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""),
            curlExitCode: output.status, message: String(decoding: output.stderr, as: UTF8.self))
    }

    private static func curlPath() throws -> String {
        for candidate in ["/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw FHIRLabError("curl is not installed; install the Debian package curl (scripts/install-deps.sh)")
    }

    private static func describe(_ response: FHIRLabResponse) -> String {
        let status = response.status.map(String.init) ?? "no response"
        let body = String(decoding: response.body.prefix(2000), as: UTF8.self)
        return "status \(status), curl exit \(response.curlExitCode) \(response.message) \(body)"
    }

    // MARK: - Starting

    private func startServer(timeout: Duration) async throws {
        let template = try String(contentsOfFile: FHIRLabVenv.fixture("sekmet-settings.yaml.template"), encoding: .utf8)
        let port = URLComponents(string: serverURL)?.port ?? 0
        let settings =
            template
            .replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@DATA_DIR@", with: directory + "/data")
            .replacingOccurrences(of: "@AUTH_TYPE@", with: bearerToken == nil ? "none" : "bearer")
            .replacingOccurrences(of: "@TOKENS@", with: bearerToken.map { "\"\($0)\"" } ?? "")
        let settingsFile = directory + "/sekmet.yaml"
        try settings.write(toFile: settingsFile, atomically: true, encoding: .utf8)
        try launch(
            "sekmet", ["serve", "-c", settingsFile, "--host", "127.0.0.1", "--port", String(port)])
        try await waitUntilAnswering(serverURL + "/metadata", child: "sekmet", timeout: timeout)
    }

    private func startProxy(timeout: Duration) async throws {
        let serverPort = URLComponents(string: serverURL)?.port ?? 0
        let proxyPort = URLComponents(string: proxyURL)?.port ?? 0
        try FileManager.default.createDirectory(atPath: directory + "/mitmproxy", withIntermediateDirectories: true)
        try launch(
            "mitmdump",
            [
                "-q", "--listen-host", "127.0.0.1", "-p", String(proxyPort),
                "--mode", "reverse:http://127.0.0.1:\(serverPort)",
                "-s", FHIRLabVenv.fixture("fhir_faults.py"),
                "--set", "confdir=\(directory)/mitmproxy",
                // HTTP/1.1 only: a killed flow then drops the TCP connection, as a real reset does,
                // where HTTP/2 would only reset one stream.
                "--set", "http2=false",
                "--set", "fault_control=\(controlFile)",
                "--set", "fault_stats=\(statsFile)",
            ])
        try await waitUntilAnswering(proxyURL + "/metadata", child: "mitmdump", timeout: timeout)
        guard FileManager.default.fileExists(atPath: caFile) else {
            throw FHIRLabError("mitmproxy did not write its CA to \(caFile)")
        }
        let tls = try await get(proxyTLSURL + "/metadata", query: [:])
        guard tls.status == 200 else {
            throw FHIRLabError("the proxy does not answer over TLS with its CA: \(Self.describe(tls))")
        }
    }

    /// Starts a venv console script under `run_guarded.py`, its output in `NAME.log`.
    private func launch(_ script: String, _ arguments: [String]) throws {
        let log = directory + "/\(script).log"
        guard FileManager.default.createFile(atPath: log, contents: nil) else {
            throw FHIRLabError("cannot create \(log)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: venv.bin("python"))
        process.arguments = [FHIRLabVenv.fixture("run_guarded.py"), script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        // sekmet reads these over its settings file; the lab's settings must win.
        for name in ["SEKMET_CONFIG", "SEKMET_BASE_URL", "SEKMET_DB", "SEKMET_PUBLIC_URL", "SEKMET_PORT"] {
            environment[name] = nil
        }
        environment["PYTHONUNBUFFERED"] = "1"
        environment["HOME"] = directory
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        children.withLock { $0.append(Child(process: process, name: script, log: log)) }
    }

    private func waitUntilAnswering(_ url: String, child name: String, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let child = children.withLock({ $0.first { $0.name == name } }), !child.process.isRunning {
                throw FHIRLabError("\(name) exited while starting; its log ends:\n\(Self.tail(child.log))")
            }
            let response = try await get(url, query: [:], timeout: .seconds(10))
            if response.status == 200 { return }
            if clock.now > deadline {
                let log = children.withLock { $0.first { $0.name == name }?.log } ?? ""
                throw FHIRLabError(
                    "\(name) did not answer \(url) within \(timeout); its log ends:\n\(Self.tail(log))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func createPatient(personnummer: String) async throws {
        let patient: JSONValue = [
            "resourceType": "Patient",
            "identifier": [["system": .string(FHIRSystem.personnummer), "value": .string(personnummer)]],
            "name": [["family": "Testsson", "given": ["Vhr"]]],
        ]
        let response = try await post(Data(patient.jsonLine().utf8), to: serverURL, path: "/Patient")
        guard response.status == 201 else {
            throw FHIRLabError("the server refused the patient \(personnummer): \(Self.describe(response))")
        }
    }

    /// The last lines of a child's log, for a failure message.
    public func log(of program: String) -> String {
        Self.tail(directory + "/\(program).log")
    }

    private static func tail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log at \(path))"
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
    }

    /// A port nobody listens on now, from the kernel (bind to port 0, read it back, close).
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FHIRLabError("socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else { throw FHIRLabError("cannot find a free loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
