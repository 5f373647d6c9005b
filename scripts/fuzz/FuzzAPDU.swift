/// IEEE 11073-20601: the APDU decoder, the framer on the same bytes, and the 10407 decoder on
/// any decoded measurement report with the standard configuration.
func fuzzAPDU(_ bytes: [UInt8]) {
    if let apdu = try? APDU.decode(bytes) {
        _ = try? BloodPressureDecoder(configuration: .bloodPressureStandard).readings(from: apdu)
        // A decoded APDU must survive its own encoding.
        _ = try? APDU.decode(apdu.encode())
        if let description = try? APDUDescription(apdu, configuration: .bloodPressureStandard) {
            _ = description.json
        }
    }
    _ = APDU.totalLength(header: bytes)
    var framer = APDUFramer()
    // Fed in two parts, so reassembly across reads is exercised too.
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    for part in [bytes[..<split], bytes[split...]] {
        guard let messages = try? framer.append(part) else { break }
        for message in messages { _ = try? APDU.decode(message) }
    }
}
