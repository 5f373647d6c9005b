import Foundation

/// The stream socket's frame decoder, fed in two parts, with every JSON payload read too.
func fuzzStream(_ bytes: [UInt8]) {
    var decoder = StreamFrameDecoder()
    let split = bytes.isEmpty ? 0 : min(Int(bytes[0]), bytes.count)
    for part in [bytes[..<split], bytes[split...]] {
        decoder.append(part)
        while let frame = try? decoder.next() {
            _ = frame.samples
            _ = try? frame.hello()
            _ = try? frame.event()
            _ = try? frame.error()
        }
    }
    _ = try? decoder.finish()
}

/// One of each frame type, and a short stream of several.
func streamSeeds() -> [[UInt8]] {
    let hello = StreamHello(
        streamID: UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)), rate: 4000, channels: 1,
        frameMilliseconds: 20, device: "steth0", model: "sim", startIndex: 0,
        clock: .init(monotonicNs: 1, realtimeNs: 2))
    let frames = [
        StreamFrame(header: StreamFrameHeader(type: .hello, seq: 0, sampleRate: 4000), json: hello.jsonValue),
        StreamFrame(
            header: StreamFrameHeader(type: .audio, seq: 1, sampleRate: 4000), payload: [1, 0, 2, 0, 0xFF, 0xFF]),
        StreamFrame(header: StreamFrameHeader(type: .gap, seq: 2, sampleRate: 4000, sampleIndex: 3, dropped: 80)),
        StreamFrame(header: StreamFrameHeader(type: .event, seq: 3, sampleRate: 4000), json: ["event": "filter"]),
        StreamFrame(header: StreamFrameHeader(type: .keepalive, seq: 4, sampleRate: 4000)),
        StreamFrame(
            header: StreamFrameHeader(type: .error, seq: 5, sampleRate: 4000), json: ["code": "x", "message": "y"]),
    ]
    return frames.map { $0.encoded() } + [frames.flatMap { $0.encoded() }]
}
