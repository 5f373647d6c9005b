import Foundation
import Testing
import VHRCore

@Suite struct MeasurementIdentityTests {
    static let reading = BloodPressureReading(
        systolic: 128, diastolic: 82, meanArterial: 97, pulse: 64,
        measuredAt: Date(timeIntervalSince1970: 1_795_000_000))

    static let omron = MeasurementIdentity.bloodPressure(
        reading, device: .hardware(profile: "omron-hem-7361t", serial: "20A1B2C3"), patient: "191212121212",
        timestamp: .device(reading.measuredAt))

    static let simulated = MeasurementIdentity.bloodPressure(
        BloodPressureReading(
            systolic: 117, diastolic: 76, meanArterial: 90, pulse: 71, measuredAt: Date(timeIntervalSince1970: 0)),
        device: .room(profile: "simulated-bp-cuff", name: "cuff"), patient: "199001012380",
        timestamp: .received(Date(timeIntervalSince1970: 1_795_000_123.456)))

    @Test func theNamespaceNeverChanges() {
        #expect(MeasurementIdentity.namespace == UUID(uuidString: "0d198f8f-35bb-4550-a072-f66f0334347f")!)
    }

    /// Names and UUIDs computed independently in Python (netstrings, then `uuid.uuid5`), so a
    /// change to the encoding or the hash shows up here before it reaches a server.
    @Test func knownMeasurementsKeepTheirCanonicalNamesAndUUIDs() {
        #expect(
            String(decoding: Self.omron.canonicalName, as: UTF8.self)
                == "17:vhr-measurement/1,8:hardware,15:omron-hem-7361t,8:20A1B2C3,12:191212121212,6:device,"
                + "13:1795000000000,7:85354-9,1:4,6:8462-4,2:82,6:mm[Hg],6:8478-0,2:97,6:mm[Hg],6:8480-6,3:128,"
                + "6:mm[Hg],6:8867-4,2:64,4:/min,")
        #expect(Self.omron.uuid == UUID(uuidString: "52ec79cc-aad4-5345-8e09-c68f1b48c809")!)
        #expect(Self.omron.urn == "urn:uuid:52ec79cc-aad4-5345-8e09-c68f1b48c809")

        #expect(
            String(decoding: Self.simulated.canonicalName, as: UTF8.self)
                == "17:vhr-measurement/1,4:room,17:simulated-bp-cuff,4:cuff,12:199001012380,8:received,"
                + "13:1795000123456,7:85354-9,1:4,6:8462-4,2:76,6:mm[Hg],6:8478-0,2:90,6:mm[Hg],6:8480-6,3:117,"
                + "6:mm[Hg],6:8867-4,2:71,4:/min,")
        #expect(Self.simulated.uuid == UUID(uuidString: "23b3c959-564b-5766-a360-18df332369c6")!)
    }

    @Test func theSameReadingResentGetsTheSameUUID() {
        let resent = MeasurementIdentity.bloodPressure(
            BloodPressureReading(
                systolic: 128, diastolic: 82, meanArterial: 97, pulse: 64,
                measuredAt: Date(timeIntervalSince1970: 1_795_000_000)),
            device: .hardware(profile: "omron-hem-7361t", serial: "20A1B2C3"), patient: "191212121212",
            timestamp: .device(Date(timeIntervalSince1970: 1_795_000_000)))
        #expect(resent.uuid == Self.omron.uuid)
    }

    @Test func aDateThatWentThroughADatabaseDoubleKeepsTheUUID() {
        let date = Date(timeIntervalSinceReferenceDate: 815_000_123.456_789)
        let stored = Date(timeIntervalSince1970: date.timeIntervalSince1970)
        var original = Self.omron
        original.timestamp = .device(date)
        var reloaded = Self.omron
        reloaded.timestamp = .device(stored)
        #expect(original.uuid == reloaded.uuid)
    }

    @Test func everyFieldChangesTheUUID() {
        let base = Self.omron
        var variants: [MeasurementIdentity] = []
        func variant(_ change: (inout MeasurementIdentity) -> Void) {
            var copy = base
            change(&copy)
            variants.append(copy)
        }
        variant { $0.device = .hardware(profile: "omron-hem-7361t-x", serial: "20A1B2C3") }
        variant { $0.device = .hardware(profile: "omron-hem-7361t", serial: "20A1B2C4") }
        variant { $0.device = .room(profile: "omron-hem-7361t", name: "20A1B2C3") }
        variant { $0.patient = "191212121213" }
        variant { $0.timestamp = .device(Date(timeIntervalSince1970: 1_795_000_000.001)) }
        variant { $0.timestamp = .device(Date(timeIntervalSince1970: 1_795_000_001)) }
        variant { $0.timestamp = .received(Date(timeIntervalSince1970: 1_795_000_000)) }
        variant { $0.code = "55284-4" }
        for index in base.values.indices {
            variant { $0.values[index].number += 1 }
            variant { $0.values[index].unit = "kPa" }
            variant { $0.values[index].code += "0" }
        }
        variant { $0.values.removeLast() }
        variant { $0.values.append(MeasurementIdentity.Value(code: "8867-4", number: 64, unit: "/min")) }
        variant { $0.values = [] }

        let uuids = Set(variants.map(\.uuid) + [base.uuid])
        #expect(uuids.count == variants.count + 1)
    }

    @Test func fieldBoundariesCannotCollide() {
        func identity(device: MeasurementIdentity.Device, patient: String = "p", code: String = "c")
            -> MeasurementIdentity
        {
            MeasurementIdentity(
                device: device, patient: patient, timestamp: .device(Date(timeIntervalSince1970: 0)), code: code,
                values: [])
        }
        let pairs: [(MeasurementIdentity, MeasurementIdentity)] = [
            (
                identity(device: .hardware(profile: "ab", serial: "c")),
                identity(device: .hardware(profile: "a", serial: "bc"))
            ),
            (identity(device: .room(profile: "ab", name: "c")), identity(device: .room(profile: "a", name: "bc"))),
            (
                identity(device: .hardware(profile: "p", serial: "ab"), patient: "c"),
                identity(device: .hardware(profile: "p", serial: "a"), patient: "bc")
            ),
            (
                identity(device: .hardware(profile: "p", serial: "s"), patient: "ab", code: "c"),
                identity(device: .hardware(profile: "p", serial: "s"), patient: "a", code: "bc")
            ),
            // A separator inside a field is just a byte of that field.
            (
                identity(device: .hardware(profile: "a,1:b", serial: "c")),
                identity(device: .hardware(profile: "a", serial: "b,1:c"))
            ),
        ]
        for (left, right) in pairs {
            #expect(left.canonicalName != right.canonicalName)
            #expect(left.uuid != right.uuid)
        }

        var valueLeft = Self.omron
        valueLeft.values = [MeasurementIdentity.Value(code: "ab", number: 1, unit: "c")]
        var valueRight = Self.omron
        valueRight.values = [MeasurementIdentity.Value(code: "a", number: 1, unit: "bc")]
        #expect(valueLeft.uuid != valueRight.uuid)

        // 12 and 3 versus 1 and 23 in adjacent numeric fields.
        var numbersLeft = Self.omron
        numbersLeft.values = [.init(code: "x", number: 12, unit: ""), .init(code: "x", number: 3, unit: "")]
        var numbersRight = Self.omron
        numbersRight.values = [.init(code: "x", number: 1, unit: ""), .init(code: "x", number: 23, unit: "")]
        #expect(numbersLeft.uuid != numbersRight.uuid)
    }

    @Test func theOrderValuesAreListedInDoesNotMatter() {
        var reversed = Self.omron
        reversed.values.reverse()
        #expect(reversed.values != Self.omron.values)
        #expect(reversed.uuid == Self.omron.uuid)
    }

    @Test func uuidsAreVersion5WithTheRFCVariant() {
        for identity in [Self.omron, Self.simulated] {
            let bytes = NameBasedUUID.bytes(of: identity.uuid)
            #expect(bytes[6] >> 4 == 5)
            #expect(bytes[8] >> 6 == 0b10)
            #expect(
                identity.uuid
                    == NameBasedUUID.version5(namespace: MeasurementIdentity.namespace, name: identity.canonicalName))
        }
    }

    @Test func bloodPressureUsesTheVitalSignsCodesAndUnits() {
        #expect(Self.omron.code == "85354-9")
        #expect(
            Self.omron.values == [
                .init(code: "8480-6", number: 128, unit: "mm[Hg]"), .init(code: "8462-4", number: 82, unit: "mm[Hg]"),
                .init(code: "8478-0", number: 97, unit: "mm[Hg]"), .init(code: "8867-4", number: 64, unit: "/min"),
            ])
    }
}
