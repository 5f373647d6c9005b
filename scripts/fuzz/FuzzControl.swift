/// The control socket: NDJSON lines through the line framer into the request decoder.
func fuzzControl(_ bytes: [UInt8]) {
    var framer = LineFramer(maxLineLength: 1024)
    let split = bytes.isEmpty ? 0 : min(Int(bytes[0]), bytes.count)
    for part in [bytes[..<split], bytes[split...]] {
        framer.append(part)
        while let result = framer.nextLine() { _ = try? ControlRequest.decode(result, limit: 1024) }
    }
    if let result = framer.finish() { _ = try? ControlRequest.decode(result, limit: 1024) }
    if let text = String(validating: bytes, as: UTF8.self) { _ = try? ControlRequest.decode(line: text) }
}

/// A few requests as they go on the wire.
func controlSeeds() -> [[UInt8]] {
    let requests = [
        ControlRequest(id: 1, method: "status"),
        ControlRequest(id: "a", method: "visit.start", params: ["patient": "p-1", "room": "r"]),
        ControlRequest(id: 2, method: "bp.measure", params: ["timeout": 30.5, "flags": [true, nil, 3]]),
    ]
    return requests.map { Array(($0.jsonLine() + "\n").utf8) }
        + [Array("{\"id\":3,\"method\":\"x\"}\r\n{\"id\":4}\n{bad\n".utf8)]
}
