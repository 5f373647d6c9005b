/// SunTech Advantage serial frames, the input fed in two halves split at the first byte's value.
func fuzzSunTech(_ bytes: [UInt8]) {
    var decoder = SunTechFrameDecoder()
    var buffer: [UInt8] = []
    let split = bytes.isEmpty ? 0 : min(Int(bytes[0]), bytes.count)
    for part in [bytes[..<split], bytes[split...]] {
        buffer += part
        while let frame = decoder.decode(buffer: &buffer) { _ = frame }
    }
    while let frame = decoder.decodeLast(buffer: &buffer) { _ = frame }
    _ = try? SunTechCapture(bytes: bytes)
}
