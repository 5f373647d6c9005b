import Foundation
import Synchronization
import VHRCore

/// Carries out control requests: checks the client's role, then asks the room.
///
/// The method table is the protocol; docs/control-protocol.md lists the same methods, roles
/// and error codes.
public final class ControlHandler: Sendable {
    public static let protocolVersion = 1

    private let room: Room
    private let events: EventHub
    private let simulation: SimulationControl?
    private let catalog: ProfileCatalog
    private let quality: SignalQualityMonitor?
    private let uploader: Uploader?
    private let diagnostics: Diagnostics?
    let configSource: String
    private let daemonVersion: String

    public init(
        room: Room, events: EventHub, simulation: SimulationControl?, quality: SignalQualityMonitor? = nil,
        catalog: ProfileCatalog, configSource: String, daemonVersion: String, uploader: Uploader? = nil,
        diagnostics: Diagnostics? = nil
    ) {
        self.uploader = uploader
        self.diagnostics = diagnostics
        self.room = room
        self.events = events
        self.simulation = simulation
        self.catalog = catalog
        self.quality = quality
        self.configSource = configSource
        self.daemonVersion = daemonVersion
    }

    /// Who may call what. Reading patient data is for the kiosk and the clinician only.
    static let permissions: [String: Set<Role>] = [
        "ping": Set(Role.allCases),
        "status": Set(Role.allCases),
        "devices": Set(Role.allCases),
        "events.subscribe": Set(Role.allCases),
        "events.unsubscribe": Set(Role.allCases),
        "visit.start": [.kiosk],
        "visit.end": [.kiosk],
        "measure.bp": [.kiosk, .clinician],
        "measure.abort": [.kiosk, .clinician],
        "readings": [.kiosk, .clinician],
        "simulate.fault": [.technician],
        "hardware": [.technician],
        "stethoscope.filter": [.clinician],
        "queue": [.kiosk, .technician],
        "queue.retry": [.technician],
        "queue.export": [.technician],
        "diag": [.technician],
    ]

    func hello(for session: ControlSession) -> ControlEvent {
        ControlEvent(
            name: "hello",
            fields: [
                "proto": .int(Int64(Self.protocolVersion)), "daemon": .string("vhrd/\(daemonVersion)"),
                "roles": .array(session.roles.sorted().map { .string($0.rawValue) }),
                "methods": .array(
                    Self.permissions.filter { !$0.value.isDisjoint(with: session.roles) }.keys.sorted().map {
                        .string($0)
                    }),
            ])
    }

    func disconnected(_ session: ControlSession) {
        if let token = session.subscription.withLock({ $0 }) { events.unsubscribe(token) }
    }

    public func handle(_ request: ControlRequest, session: ControlSession) async -> ControlReply {
        guard let allowed = Self.permissions[request.method] else {
            return .failure(
                id: request.id,
                error: RemoteError(
                    code: "unknown_method", message: "no method '\(request.method)'",
                    hint: "the hello line lists the methods this client may call"))
        }
        guard !allowed.isDisjoint(with: session.roles) else {
            return .failure(
                id: request.id,
                error: RemoteError(
                    code: "forbidden",
                    message: "'\(request.method)' needs the role "
                        + allowed.sorted().map(\.rawValue).joined(separator: " or "),
                    hint: "this client has: " + session.roles.sorted().map(\.rawValue).joined(separator: ", ")))
        }
        do {
            return .success(id: request.id, result: try await perform(request, session: session))
        } catch let error as RemoteError {
            return .failure(id: request.id, error: error)
        } catch let error as VisitError {
            return .failure(id: request.id, error: RemoteError(code: error.code, message: error.description, hint: nil))
        } catch {
            return .failure(id: request.id, error: RemoteError(code: "internal", message: "\(error)", hint: nil))
        }
    }

    private func perform(_ request: ControlRequest, session: ControlSession) async throws -> JSONValue {
        let params = request.params
        switch request.method {
        case "ping":
            return ["pong": true]
        case "status":
            var status = await room.statusView()
            if case .object(var fields) = status {
                fields["daemon"] = .string("vhrd/\(daemonVersion)")
                fields["roles"] = .array(session.roles.sorted().map { .string($0.rawValue) })
                fields["upload"] = await uploader?.status().json ?? .null
                status = .object(fields)
            }
            return status
        case "devices":
            return ["devices": await room.devicesView()]
        case "events.subscribe":
            return try subscribe(session, params: params)
        case "events.unsubscribe":
            if let token = session.subscription.withLock({ value in
                defer { value = nil }; return value
            }) {
                events.unsubscribe(token)
            }
            return ["subscribed": .array([])]
        case "visit.start":
            let visit = try await room.startVisit(
                id: try Self.string(params, "visit"), patientID: try Self.string(params, "patient"))
            return ["visit": .string(visit.id), "started": .string(visit.startedAt.ISO8601Format())]
        case "visit.end":
            let ended = try await room.endVisit(id: params["visit"]?.stringValue)
            return ["visit": .string(ended.visit.id), "measurements": .int(Int64(ended.measurements))]
        case "measure.bp":
            let record = try await room.measureBloodPressure(deviceID: params["device"]?.stringValue)
            return ["measurement": .object(Room.fields(of: record))]
        case "measure.abort":
            return ["device": .string(try await room.abortMeasurement(deviceID: params["device"]?.stringValue))]
        case "readings":
            var view = await room.readingsView()
            if case .object(var fields) = view {
                // The stethoscope's latest signal quality: contact, level, heart rate.
                fields["stethoscope"] = quality?.latest ?? .null
                view = .object(fields)
            }
            return view
        case "queue":
            return try await room.queueView()
        case "queue.export":
            return try await room.exportHeld()
        case "queue.retry":
            let released = try await room.retryHeld(id: params["id"]?.stringValue)
            return ["released": .array(released.map { .string($0) })]
        case "stethoscope.filter":
            let name = try Self.string(params, "mode")
            guard let mode = StethoscopeFilter.Mode(name: name) else {
                throw RemoteError(
                    code: "bad_request", message: "no stethoscope filter mode '\(name)'",
                    hint: "modes are " + StethoscopeFilter.Mode.allCases.map(\.description).joined(separator: ", "))
            }
            let device = try await room.setStethoscopeFilter(deviceID: params["device"]?.stringValue, mode: mode)
            return ["device": .string(device), "mode": .string(mode.description)]
        case "hardware":
            return try await HardwareDiscovery.scan(catalog: catalog)
        case "diag":
            return try await diagnose(params)
        case "simulate.fault":
            guard let simulation else {
                throw RemoteError(
                    code: "not_supported", message: "this room has no simulated devices", hint: nil)
            }
            return try await simulation.inject(
                device: try Self.string(params, "device"), fault: params["fault"]?.stringValue ?? "none")
        default:
            throw RemoteError(code: "unknown_method", message: "no method '\(request.method)'", hint: nil)
        }
    }

    private func subscribe(_ session: ControlSession, params: [String: JSONValue]) throws -> JSONValue {
        var wanted: Set<EventHub.EventClass> = Set(EventHub.EventClass.allCases)
        if let classes = params["classes"] {
            guard let list = classes.arrayValue?.compactMap(\.stringValue),
                list.count == classes.arrayValue?.count
            else {
                throw RemoteError(
                    code: "bad_request", message: "'classes' must be a list of strings",
                    hint: "for example {\"classes\":[\"readings\",\"room\"]}")
            }
            wanted = []
            for name in list {
                guard let eventClass = EventHub.EventClass(rawValue: name) else {
                    throw RemoteError(
                        code: "bad_request", message: "no event class '\(name)'",
                        hint: "classes are " + EventHub.EventClass.allCases.map(\.rawValue).joined(separator: ", "))
                }
                wanted.insert(eventClass)
            }
        }
        // Readings are patient data: a technician-only client gets room events alone.
        if session.roles.isDisjoint(with: [.kiosk, .clinician]) { wanted.remove(.readings) }
        let token = events.subscribe(EventHub.Subscription(classes: wanted, deliver: session.deliver))
        if let old = session.subscription.withLock({ value in
            defer { value = token }; return value
        }) {
            events.unsubscribe(old)
        }
        return ["subscribed": .array(wanted.map(\.rawValue).sorted().map { .string($0) })]
    }

    /// The room's self-test; `seconds` (default 3, at most 60) is how long each stethoscope is captured.
    private func diagnose(_ params: [String: JSONValue]) async throws -> JSONValue {
        guard let diagnostics else {
            throw RemoteError(
                code: "not_supported", message: "this vhrd was started without its self-test",
                hint: "run 'vhrctl diag --direct' with vhrd stopped")
        }
        var seconds = Diagnostics.defaultSeconds
        if let value = params["seconds"] {
            guard let number = value.doubleValue, number > 0, number <= Diagnostics.maximumSeconds else {
                throw RemoteError(
                    code: "bad_request",
                    message: "'seconds' must be a number above 0 and at most "
                        + "\(Int(Diagnostics.maximumSeconds))",
                    hint: "for example {\"seconds\": 3}")
            }
            seconds = number
        }
        return await diagnostics.run(seconds: seconds).json
    }

    private static func string(_ params: [String: JSONValue], _ key: String) throws -> String {
        guard let value = params[key]?.stringValue else {
            throw RemoteError(
                code: "bad_request", message: "missing string parameter '\(key)'",
                hint: "send \"params\": {\"\(key)\": \"...\"}")
        }
        return value
    }
}
