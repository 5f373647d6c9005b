import Foundation
import Testing
import VHRCore
import VHRTestSupport

/// Every Bundle shape vhr emits, checked by real validators (fhirkit-rs, pyfhircheck and the
/// profile rules in check_vitals_profile.py), and uploaded to a real FHIR server (sekmet-fhir),
/// directly and through the fault proxy. Needs `scripts/install-fhir-lab.sh`.
@Suite(.serialized) struct FHIRConformanceTests {
    // MARK: - The shapes vhr emits

    /// One kind of measurement the room produces, as its Bundle.
    enum Shape: String, CaseIterable, CustomTestStringConvertible {
        /// A simulated cuff: test data (HTEST), dated by the room's clock, UTC.
        case simulatedTestData
        /// A cuff with a trusted clock: the identity uses the device's time stamp.
        case deviceClock
        /// A cuff without a clock: dated when the room received it.
        case roomClock
        /// The panel with the mean arterial pressure component.
        case withMeanPressure
        /// Times written with a non-whole-hour negative offset (-03:30).
        case negativeHalfHourZone
        /// Times written with a +05:45 offset.
        case positiveOddZone
        /// An IEEE 11073 monitor that sent its system id: the Device is that unit, matched on the
        /// PHD IG's system id identifier, with the room's name for it as a second identifier.
        case monitorSystemID

        var testDescription: String { rawValue }

        static let measuredAt = Date(timeIntervalSince1970: 1_779_100_000.25)

        var bundle: FHIRTransactionBundle {
            get throws {
                try FHIRTransactionBundle(
                    measurement: measurement, includesMeanPressure: self == .withMeanPressure)
            }
        }

        /// The system id of the monitor in ``monitorSystemID`` (Antidote's example agent).
        static let systemID: [UInt8] = [0x00, 0x22, 0x09, 0x22, 0x58, 0x08, 0x03, 0xCC]

        var measurement: FHIRMeasurement {
            if self == .monitorSystemID {
                return Self.monitorMeasurement(systemID: Self.systemID, minutesLater: 0)
            }
            let clock: BloodPressureReading.Clock = self == .deviceClock ? .device : .room
            let reading = BloodPressureReading(
                systolic: 131, diastolic: 84, meanArterial: 100, pulse: 66, measuredAt: Self.measuredAt, clock: clock)
            let recordedAt = Self.measuredAt.addingTimeInterval(clock == .device ? 40.5 : 0.75)
            let serial = "SN-\(rawValue)"
            let identityDevice: MeasurementIdentity.Device =
                self == .deviceClock
                ? .hardware(profile: "ihealth-bp5", serial: serial) : .room(profile: "simulated-bp", name: "cuff")
            let identity = MeasurementIdentity.bloodPressure(
                reading, device: identityDevice, patient: FHIRLab.testPatient,
                timestamp: clock == .device ? .device(reading.measuredAt) : .received(recordedAt))
            let zone: TimeZone =
                switch self {
                case .negativeHalfHourZone: TimeZone(secondsFromGMT: -(3 * 3600 + 1800))!
                case .positiveOddZone: TimeZone(secondsFromGMT: 5 * 3600 + 45 * 60)!
                case .deviceClock: TimeZone(secondsFromGMT: 3600)!
                default: TimeZone(secondsFromGMT: 0)!
                }
            return FHIRMeasurement(
                id: identity.uuid, patient: try! .personnummer(FHIRLab.testPatient),
                visit: try! FHIRIdentifier(system: "http://example.org/fhir/sid/visit", value: "visit-\(rawValue)"),
                device: FHIRDevice(
                    identifier: try! FHIRIdentifier(system: "http://example.org/fhir/sid/device-serial", value: serial),
                    manufacturer: self == .deviceClock ? "ExampleMed AB" : nil, modelName: "BP-\(rawValue)",
                    serialNumber: self == .deviceClock ? serial : nil,
                    firmwareVersion: self == .deviceClock ? "2.4.1" : nil),
                reading: reading, recordedAt: recordedAt, timeZone: zone, isTestData: self == .simulatedTestData)
        }

        /// A stored PHD reading mapped as the uploader maps it: the monitor `systemID` in slot
        /// `cuff`, dated by its clock `minutesLater` than the other shapes (another measurement).
        static func monitorMeasurement(systemID: [UInt8], minutesLater: Int) -> FHIRMeasurement {
            let visit = "visit-monitor-\(minutesLater)"
            let reading = BloodPressureReading(
                systolic: 131, diastolic: 84, meanArterial: 100, pulse: 66,
                measuredAt: measuredAt.addingTimeInterval(Double(minutesLater) * 60), clock: .device,
                source: DeviceSource(systemID: systemID))
            let identity = MeasurementIdentity.bloodPressure(
                reading, device: .room(profile: "ieee11073-bp-cuff", name: "cuff"),
                patient: FHIRLab.testPatient,
                timestamp: .device(reading.measuredAt))
            let record = MeasurementRecord(
                id: identity.uuid, visitID: visit, deviceID: "cuff", profile: "ieee11073-bp-cuff", reading: reading,
                recordedAt: reading.measuredAt.addingTimeInterval(40.5))
            let mapping = UploadMapping(
                patientSystem: FHIRSystem.personnummer, visitSystem: "http://example.org/fhir/sid/visit",
                deviceSystem: "http://example.org/fhir/sid/room-device", roomName: "room-7",
                timeZone: TimeZone(secondsFromGMT: 3600)!)
            return try! mapping.measurement(
                record: record, patientID: FHIRLab.testPatient,
                device: DeviceFacts(manufacturer: "ExampleMed AB", modelName: "BP-monitor", isSimulated: false))
        }
    }

    @Test(arguments: Shape.allCases)
    func everyValidatorAcceptsTheBundle(_ shape: Shape) async throws {
        let bundle = try shape.bundle
        // The shape really is what it claims, so the validators see each variation.
        let panel = try #require(bundle.json["entry"]?[1]?["resource"])
        #expect((panel["component"]?.arrayValue?.count ?? 0) == (shape == .withMeanPressure ? 3 : 2))
        #expect((panel["meta"]?["security"] != nil) == (shape == .simulatedTestData))
        let device = try #require(bundle.json["entry"]?[0])
        #expect((device["resource"]?["identifier"]?.arrayValue?.count ?? 0) == (shape == .monitorSystemID ? 2 : 1))
        #expect(
            (device["request"]?["ifNoneExist"]?.stringValue?.contains(FHIRDevice.systemIDSystem) ?? false)
                == (shape == .monitorSystemID))
        let file = try Scratch.write(bundle.body, named: "bundle-\(shape.rawValue).json")
        defer { Scratch.remove(file) }
        for validator in FHIRLabValidator.allCases {
            let verdict = try await validator.check(file)
            #expect(verdict.passed, "\(verdict)")
        }
    }

    // MARK: - Known-bad Bundles must fail

    /// A deliberate defect, and the validator that must catch it.
    enum Defect: String, CaseIterable, CustomTestStringConvertible {
        case mmHgUnit, missingComponent, mismatchedIfNoneExist, cancelledStatus
        case stringValue, missingCode
        case unboundStatus, unknownMethod, duplicateFullUrl

        var testDescription: String { rawValue }

        var validator: FHIRLabValidator {
            switch self {
            case .mmHgUnit, .missingComponent, .mismatchedIfNoneExist, .cancelledStatus: .vitalsProfile
            case .stringValue, .missingCode: .fhirkit
            case .unboundStatus, .unknownMethod, .duplicateFullUrl: .pyfhircheck
            }
        }

        /// vhr's own Bundle with the defect applied; entry 1 is the panel, 2 the pulse.
        func apply(to bundle: JSONValue) -> JSONValue {
            let panel: [JSONStep] = [.key("entry"), .index(1)]
            switch self {
            case .mmHgUnit:
                return bundle.replacing(
                    panel + [.key("resource"), .key("component"), .index(0), .key("valueQuantity"), .key("code")],
                    with: "mmHg")
            case .missingComponent:
                let components = bundle["entry"]?[1]?["resource"]?["component"]?.arrayValue ?? []
                return bundle.replacing(
                    panel + [.key("resource"), .key("component")], with: .array(Array(components.prefix(1))))
            case .mismatchedIfNoneExist:
                return bundle.replacing(
                    panel + [.key("request"), .key("ifNoneExist")],
                    with: "identifier=urn:ietf:rfc:3986|urn:uuid:00000000-0000-4000-8000-000000000000")
            case .cancelledStatus:
                return bundle.replacing(panel + [.key("resource"), .key("status")], with: "cancelled")
            case .stringValue:
                return bundle.replacing(
                    panel + [.key("resource"), .key("component"), .index(0), .key("valueQuantity"), .key("value")],
                    with: "131")
            case .missingCode:
                return bundle.replacing(panel + [.key("resource"), .key("code")], with: nil)
            case .unboundStatus:
                return bundle.replacing(panel + [.key("resource"), .key("status")], with: "done")
            case .unknownMethod:
                return bundle.replacing(panel + [.key("request"), .key("method")], with: "SEND")
            case .duplicateFullUrl:
                return bundle.replacing(
                    [.key("entry"), .index(2), .key("fullUrl")], with: bundle["entry"]?[1]?["fullUrl"])
            }
        }
    }

    @Test(arguments: Defect.allCases)
    func aKnownBadBundleFailsItsValidator(_ defect: Defect) async throws {
        let good = try Shape.roomClock.bundle.json
        let bad = defect.apply(to: good)
        try #require(bad != good, "the defect \(defect) changed nothing")
        // The same serialisation without the defect passes the same validator, so a failure below
        // is the defect's, not the round trip's or a usage error's.
        let control = try Scratch.write(Data(good.jsonLine().utf8), named: "control-\(defect.rawValue).json")
        defer { Scratch.remove(control) }
        let controlVerdict = try await defect.validator.check(control)
        try #require(
            controlVerdict.passed, "\(defect.validator.rawValue) rejected the unchanged Bundle: \(controlVerdict)")
        let file = try Scratch.write(Data(bad.jsonLine().utf8), named: "bad-\(defect.rawValue).json")
        defer { Scratch.remove(file) }
        let verdict = try await defect.validator.check(file)
        #expect(!verdict.passed, "\(defect.validator.rawValue) accepted a Bundle with \(defect): \(verdict)")
    }

    // MARK: - A real server

    @Test func postingTheSameBundleTwiceCreatesOnceThenMatches() async throws {
        try await FHIRLab.with(proxyless) { lab in
            let bundle = try Shape.deviceClock.bundle

            let first = try await lab.post(bundle.body, to: lab.serverURL)
            #expect(first.status == 200, "\(first.message) \(String(decoding: first.body, as: UTF8.self))")
            #expect(first.entryStatusCodes == [201, 201, 201])
            let second = try await lab.post(bundle.body, to: lab.serverURL)
            #expect(second.status == 200)
            #expect(second.entryStatusCodes == [200, 200, 200])

            try await expectStoredOnce(bundle, in: lab)
        }
    }

    @Test func theSameMonitorMatchesItsDeviceAndASwappedOneIsANewDevice() async throws {
        try await FHIRLab.with(proxyless) { lab in
            let first = try Shape.monitorSystemID.bundle
            let swapped = try FHIRTransactionBundle(
                measurement: Shape.monitorMeasurement(
                    systemID: [0xFE, 0xED, 0xAB, 0xEE, 0xDE, 0xAD, 0x07, 0xC3], minutesLater: 2))
            let again = try FHIRTransactionBundle(
                measurement: Shape.monitorMeasurement(systemID: Shape.systemID, minutesLater: 1))

            let created = try await lab.post(first.body, to: lab.serverURL)
            #expect(created.status == 200, "\(created.message) \(String(decoding: created.body, as: UTF8.self))")
            #expect(created.entryStatusCodes == [201, 201, 201])
            // The same monitor's next measurement: its Device matches, the Observations are new.
            let matched = try await lab.post(again.body, to: lab.serverURL)
            #expect(matched.entryStatusCodes == [200, 201, 201])
            // Another monitor in the same slot is another Device.
            let other = try await lab.post(swapped.body, to: lab.serverURL)
            #expect(other.entryStatusCodes == [201, 201, 201])

            #expect(try await lab.count("Device", identifier: first.measurement.device.identifier.searchToken) == 1)
            #expect(try await lab.count("Device", identifier: swapped.measurement.device.identifier.searchToken) == 1)
            let slot = try #require(first.measurement.device.otherIdentifiers.first)
            #expect(try await lab.count("Device", identifier: slot.searchToken) == 2)
        }
    }

    @Test func aResetAfterTheServerCommittedThenAResendStoresOneCopy() async throws {
        try await FHIRLab.with { lab in
            let bundle = try Shape.simulatedTestData.bundle

            try lab.setFault(.resetAfter)
            let lost = try await lab.post(bundle.body, to: lab.proxyTLSURL)
            #expect(lost.connectionLost, "curl exit \(lost.curlExitCode) \(lost.message), status \(lost.status ?? 0)")
            #expect(try lab.faultStats().faulted[.resetAfter] == 1)
            // The client saw nothing, yet the server has it: the case that duplicates without ifNoneExist.
            #expect(try await lab.count(identifier: bundle.measurement.identifier.searchToken) == 1)

            try lab.setFault(.off)
            let resent = try await lab.post(bundle.body, to: lab.proxyTLSURL)
            #expect(resent.status == 200, "\(resent.message)")
            #expect(resent.entryStatusCodes == [200, 200, 200])
            #expect(try lab.faultStats().passed == 1)

            try await expectStoredOnce(bundle, in: lab)
        }
    }

    @Test(arguments: [FHIRLabFault.serviceUnavailable(retryAfter: 7), .resetBefore])
    func aFaultBeforeTheServerStoresNothingAndTheResendCreates(_ fault: FHIRLabFault) async throws {
        try await FHIRLab.with { lab in
            let bundle = try Shape.withMeanPressure.bundle

            try lab.setFault(fault)
            let refused = try await lab.post(bundle.body, to: lab.proxyTLSURL)
            if fault.mode == .serviceUnavailable {
                #expect(refused.status == 503)
                #expect(refused.headers["retry-after"] == "7")
            } else {
                #expect(refused.connectionLost, "curl exit \(refused.curlExitCode) \(refused.message)")
            }
            #expect(try lab.faultStats().faulted[fault.mode] == 1)
            #expect(try await lab.count(identifier: bundle.measurement.identifier.searchToken) == 0)

            try lab.setFault(.off)
            let resent = try await lab.post(bundle.body, to: lab.proxyTLSURL)
            #expect(resent.entryStatusCodes == [201, 201, 201])
            try await expectStoredOnce(bundle, in: lab)
        }
    }

    // MARK: - Helpers

    private var proxyless: FHIRLab.Options {
        var options = FHIRLab.Options()
        options.proxy = false
        return options
    }

    /// One Device, one panel and one pulse for the measurement, and nothing else.
    private func expectStoredOnce(_ bundle: FHIRTransactionBundle, in lab: FHIRLab) async throws {
        let measurement = bundle.measurement
        #expect(try await lab.count(identifier: measurement.identifier.searchToken) == 1)
        #expect(try await lab.count(identifier: measurement.pulseIdentifier.searchToken) == 1)
        #expect(try await lab.count("Device", identifier: measurement.device.identifier.searchToken) == 1)
        let stored = try await lab.identifiers()
        #expect(
            stored.sorted() == [measurement.identifier.searchToken, measurement.pulseIdentifier.searchToken].sorted())
    }
}

/// A step of a path into a JSON document.
private enum JSONStep {
    case key(String)
    case index(Int)
}

extension JSONValue {
    /// The document with the value at `path` replaced, or removed when `value` is `nil`.
    fileprivate func replacing(_ path: [JSONStep], with value: JSONValue?) -> JSONValue {
        guard let step = path.first else { return value ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.object(var members), .key(let key)):
            if rest.isEmpty && value == nil {
                members[key] = nil
            } else {
                members[key] = (members[key] ?? .null).replacing(rest, with: value)
            }
            return .object(members)
        case (.array(var elements), .index(let index)) where elements.indices.contains(index):
            elements[index] = elements[index].replacing(rest, with: value)
            return .array(elements)
        default:
            return self
        }
    }
}

/// Temporary files for the validators, which read paths.
private enum Scratch {
    static func write(_ data: Data, named name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vhr-fhir-\(UUID().uuidString)-\(name)"
        ).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
