import Dispatch
import Foundation
import VHRCore
import VHRSystem

/// The metrics socket: a Prometheus text exposition served over HTTP/1.x on a local socket, for
/// a fleet's scraper (or `curl --unix-socket /run/vhr/metrics.sock http://localhost/metrics`).
///
/// Each connection gets one answer and is closed. The figures carry no patient data (counts,
/// ages, levels), but the socket still admits only clients with a role in the room, as the
/// others do. Collecting runs in a task, never on the accept queue.
public final class MetricsServer: Sendable {
    private let queue = DispatchQueue(label: "vhr.metrics")
    private let listener: LocalSocketListener
    public var path: String { listener.path }
    private let collect: @Sendable () async -> [MetricFamily]
    private let policy: AccessPolicy
    private let logger: Logger
    private let connections: QueueConfined<[ObjectIdentifier: SocketConnection]>

    /// - Parameters:
    ///   - collect: Gathers every family at scrape time.
    ///   - inherited: A listening socket systemd passed (`FileDescriptorName=metrics`).
    public init(
        path: String, mode: UInt32, policy: AccessPolicy, logger: Logger, inherited: FileDescriptor? = nil,
        collect: @escaping @Sendable () async -> [MetricFamily]
    ) throws {
        self.listener = try LocalSocketListener(
            path: path, mode: mode, name: "metrics", queue: queue, logger: logger, maxPendingOutput: 4 << 20,
            inherited: inherited)
        self.collect = collect
        self.policy = policy
        self.logger = logger
        self.connections = QueueConfined([:], queue: queue)
    }

    public func start() {
        queue.async { [self] in listener.start { [self] connection in admit(connection) } }
    }

    public func stop() {
        queue.sync {
            listener.cancel()
            for connection in connections.value.values { connection.close(reason: "vhrd is stopping") }
            connections.value.removeAll()
        }
        listener.removeSocketFile()
    }

    private func admit(_ connection: SocketConnection) {
        let id = ObjectIdentifier(connection)
        connections.value[id] = connection
        var buffer: [UInt8] = []
        var answered = false
        connection.start(
            onData: { [weak self] bytes in
                guard let self, !answered else { return }
                buffer.append(contentsOf: bytes)
                switch ScrapeRequest.parse(buffer) {
                case .incomplete:
                    return
                case .invalid(let status, let reason):
                    answered = true
                    self.respond(connection, status: status, body: reason + "\n", contentType: "text/plain")
                case .complete(let method, let path):
                    answered = true
                    self.serve(connection, method: method, path: path)
                }
            },
            onClose: { [weak self] _ in self?.connections.value.removeValue(forKey: id) })
    }

    private func serve(_ connection: SocketConnection, method: String, path: String) {
        guard !policy.roles(of: connection.peer).isEmpty else {
            respond(
                connection, status: 403,
                body: "uid \(connection.peer.uid) has no role in this room; add it to [access] in vhrd.conf\n",
                contentType: "text/plain")
            return
        }
        guard path == "/metrics" || path == "/" else {
            respond(connection, status: 404, body: "the metrics are at /metrics\n", contentType: "text/plain")
            return
        }
        Task { [collect, queue] in
            let text = PrometheusText.render(await collect())
            queue.async { [self] in
                respond(
                    connection, status: 200, body: text, contentType: PrometheusText.contentType, head: method == "HEAD"
                )
            }
        }
    }

    private func respond(
        _ connection: SocketConnection, status: Int, body: String, contentType: String, head: Bool = false
    ) {
        let reasons = [
            200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            431: "Request Header Fields Too Large",
        ]
        let payload = Array(body.utf8)
        var response = "HTTP/1.1 \(status) \(reasons[status] ?? "Error")\r\n"
        response += "Content-Type: \(contentType)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n"
        if status == 405 { response += "Allow: GET, HEAD\r\n" }
        response += "\r\n"
        connection.send(Array(response.utf8) + (head ? [] : payload))
        connection.finish(reason: "answered")
    }
}
