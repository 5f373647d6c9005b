import Testing

@testable import VHRCore

@Suite struct BluetoothBPMMeasurementTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var id: String
        var bytes: [UInt8]
        var decoded: JSONValue?
        var rejection: String?
        var testDescription: String { id }
    }

    static let vectors: [Vector] = (VendorVectors.file("ble-2a35.json")["vectors"]?.arrayValue ?? []).map {
        Vector(
            id: $0["id"]?.stringValue ?? "?", bytes: VendorVectors.bytes($0["hex"]?.stringValue ?? ""),
            decoded: $0["decoded_by_researcher"], rejection: $0["expected"]?.stringValue)
    }

    @Test func fiveVectorsAreLoaded() {
        #expect(Self.vectors.count == 5)
        #expect(Self.vectors.filter { $0.rejection != nil }.count == 2)
    }

    static func close(_ value: NumericValue?, _ expected: JSONValue?) -> Bool {
        guard let number = value?.double, let expected = expected?.doubleValue else { return false }
        return abs(number - expected) < 1e-9
    }

    @Test(arguments: vectors.filter { $0.decoded != nil })
    func decodes(_ vector: Vector) throws {
        let expected = try #require(vector.decoded)
        let measurement = try BluetoothBPMMeasurement(bytes: vector.bytes)
        #expect(measurement.unit.rawValue == expected["unit"]?.stringValue)
        #expect(Self.close(measurement.systolic, expected["systolic"]))
        #expect(Self.close(measurement.diastolic, expected["diastolic"]))
        #expect(Self.close(measurement.meanArterial, expected["map"]))
        if let pulse = expected["pulse_rate"] {
            #expect(Self.close(measurement.pulseRate, pulse))
        } else {
            #expect(measurement.pulseRate == nil)
        }
        #expect(measurement.userID.map { Int64($0) } == expected["user_id"]?.intValue)
        if let time = expected["timestamp"] {
            let stamp = try #require(measurement.timestamp)
            #expect(Int64(stamp.year) == time["year"]?.intValue)
            #expect(Int64(stamp.month) == time["month"]?.intValue)
            #expect(Int64(stamp.day) == time["day"]?.intValue)
            #expect(Int64(stamp.hour) == time["hour"]?.intValue)
            #expect(Int64(stamp.minute) == time["minute"]?.intValue)
            #expect(Int64(stamp.second) == time["second"]?.intValue)
        } else {
            #expect(measurement.timestamp == nil)
        }
        if let status = expected["status"] {
            let bits = try #require(measurement.status)
            #expect(UInt16(status["raw"]?.stringValue?.dropFirst(2) ?? "", radix: 16) == bits.rawValue)
            #expect(bits.contains(.bodyMovement) == status["body_movement"]?.boolValue)
            #expect(bits.contains(.cuffTooLoose) == status["cuff_too_loose"]?.boolValue)
            #expect(bits.contains(.irregularPulse) == status["irregular_pulse"]?.boolValue)
            #expect(bits.contains(.improperPosition) == status["improper_position"]?.boolValue)
            let range: [String: BluetoothBPMMeasurement.PulseRateRange] = [
                "within": .withinRange, "above upper": .aboveUpperLimit, "below lower": .belowLowerLimit,
            ]
            #expect(range[status["pulse_rate_range"]?.stringValue ?? ""] == bits.pulseRateRange)
        } else {
            #expect(measurement.status == nil)
        }
    }

    @Test(arguments: vectors.filter { $0.rejection != nil })
    func rejects(_ vector: Vector) {
        // "reject (6 bytes < 7 minimum)" ends inside the MAP; the other announces a timestamp it lacks.
        let field = vector.rejection?.contains("timestamp") == true ? "timestamp" : "mean arterial pressure"
        let needed = field == "timestamp" ? 9 : 7
        #expect(throws: BluetoothBPMError.truncated(field: field, needed: needed, actual: vector.bytes.count)) {
            try BluetoothBPMMeasurement(bytes: vector.bytes)
        }
    }

    @Test func rejectsTrailingBytesAndBadTimes() {
        #expect(throws: BluetoothBPMError.trailingBytes(1)) {
            try BluetoothBPMMeasurement(bytes: [0x00, 0xBD, 0xF0, 0x0B, 0x00, 0x9F, 0xF0, 0x00])
        }
        #expect(throws: BluetoothBPMError.fieldOutOfRange(field: "hour", value: 24, range: 0...23)) {
            try BluetoothBPMMeasurement(bytes: [0x02, 0, 0, 0, 0, 0, 0, 0xE8, 0x07, 1, 1, 24, 0, 0])
        }
    }

    @Test func specialValuesStayFlagged() throws {
        // NaN diastolic and MAP, as Intermediate Cuff Pressure sends them.
        let measurement = try BluetoothBPMMeasurement(bytes: [0x00, 0x8C, 0x00, 0xFF, 0x07, 0xFF, 0x07])
        #expect(measurement.systolic == .number(mantissa: 140, exponent: 0))
        #expect(measurement.diastolic == .notANumber)
        #expect(measurement.meanArterial.double == nil)
    }

    @Test func randomBytesNeverCrash() {
        var random = SeededRandom(seed: 0xB1E)
        var decoded = 0
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...24, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            if (try? BluetoothBPMMeasurement(bytes: bytes)) != nil { decoded += 1 }
        }
        #expect(decoded > 0)
    }
}
