import Foundation

/// The one identifier a measurement gets at capture: a version 5 UUID over what the measurement
/// *is* (device, patient, the device's time stamp, code and values), so a device that sends the
/// same stored reading again maps to the same identifier, and the server's conditional create
/// (`identifier=urn:ietf:rfc:3986|urn:uuid:…`) turns every resend and retry into a no-op.
///
/// This follows the HL7 PHD IG's conditional-create identifier (device, patient, device time
/// stamp, type code, values), hashed into a UUID as RFC 9562 §5.5 describes.
///
/// ## Canonical name, encoding version 1
///
/// The UUID is `NameBasedUUID.version5(namespace: MeasurementIdentity.namespace, name: canonicalName)`,
/// where `canonicalName` is a sequence of netstrings, each `<byte count in decimal>:<UTF-8 bytes>,`,
/// so no field's content can run into the next ("ab" + "c" and "a" + "bc" encode differently):
///
/// 1. `vhr-measurement/1`, the encoding version; a future encoding changes it, and with it every UUID.
/// 2. `hardware` and the device's serial number or system id, or `room` and the room's device name,
///    after the device's profile id: `hardware`|`room`, profile, serial|name.
/// 3. The patient identifier.
/// 4. `device` or `received`, then the time in whole milliseconds since 1970-01-01T00:00:00Z,
///    rounded to the nearest millisecond (so a `Date` that went through a database double comes
///    out the same), in decimal.
/// 5. The measurement code (LOINC, such as `85354-9`).
/// 6. The number of values in decimal, then each value as code, decimal number and UCUM unit,
///    sorted by code, number and unit, so the order the caller listed them in does not matter.
///
/// Strings are hashed as their UTF-8 bytes exactly as given, without Unicode normalisation: a
/// device resending a reading resends the same bytes.
///
/// ## Which clock
///
/// Only the device's own time stamp makes a resent reading map to the same UUID: a cuff that
/// uploads its memory again reports the reading with the time it was taken, whereas the time vhr
/// received it is new on every resend. When the device has no trustworthy clock (never set,
/// reset by a battery change, or no clock at all), the received time is used instead; that UUID
/// is still computed once at capture and stored, so the outbox's own retries never duplicate,
/// but a device resend would get a new UUID and must be caught before capture (for example by a
/// per-device "last time stamp seen" filter). An untrusted device clock is not used because it
/// can repeat: a cuff whose clock restarts at the same instant after every power cut could give
/// two different measurements with equal values the same UUID, and the server would keep one.
public struct MeasurementIdentity: Sendable, Hashable {
    /// The vhr namespace for measurement UUIDs (generated once with `uuid.uuid4()`).
    ///
    /// Never change it: every measurement UUID ever issued, on every room and on the server,
    /// is derived from it, and a new namespace would make every resend look like a new reading.
    public static let namespace = UUID(
        uuid: (
            0x0D, 0x19, 0x8F, 0x8F, 0x35, 0xBB, 0x45, 0x50, 0xA0, 0x72, 0xF6, 0x6F, 0x03, 0x34, 0x34, 0x7F
        ))

    /// The first field of every canonical name; see the type's documentation.
    public static let encodingTag = "vhr-measurement/1"

    /// LOINC codes vhr names blood-pressure measurements with.
    public enum LOINC {
        /// Blood pressure panel with all children optional.
        public static let bloodPressurePanel = "85354-9"
        public static let systolic = "8480-6"
        public static let diastolic = "8462-4"
        public static let meanArterial = "8478-0"
        public static let heartRate = "8867-4"
    }

    /// Which device took the measurement.
    public enum Device: Sendable, Hashable {
        /// A device that reports its own identity: `serial` is its serial number or IEEE 11073
        /// system id as the device reports it, `profile` its `DeviceProfiles/` id.
        case hardware(profile: String, serial: String)
        /// A device that does not report an identity: `name` is the room's name for it (such as
        /// `cuff`), `profile` its `DeviceProfiles/` id. Renaming it in the room's configuration
        /// gives later readings different UUIDs.
        case room(profile: String, name: String)
    }

    /// The time stamp that identifies the reading, and which clock it came from.
    public enum Timestamp: Sendable, Hashable {
        /// The device's own time stamp of the reading; use it when the device's clock is trusted.
        case device(Date)
        /// When vhr received the reading; for devices without a trustworthy clock.
        case received(Date)
    }

    /// One measured value: its code, its number and its UCUM unit.
    public struct Value: Sendable, Hashable {
        /// The value's code, such as LOINC `8480-6` for the systolic pressure.
        public var code: String
        public var number: Int
        /// The UCUM unit, such as `mm[Hg]` or `/min`.
        public var unit: String

        public init(code: String, number: Int, unit: String) {
            self.code = code
            self.number = number
            self.unit = unit
        }
    }

    public var device: Device
    /// The patient's identifier (personnummer) as the visit holds it.
    public var patient: String
    public var timestamp: Timestamp
    /// The measurement's code, such as LOINC `85354-9` for the blood-pressure panel.
    public var code: String
    public var values: [Value]

    public init(device: Device, patient: String, timestamp: Timestamp, code: String, values: [Value]) {
        self.device = device
        self.patient = patient
        self.timestamp = timestamp
        self.code = code
        self.values = values
    }

    /// The identity of a blood-pressure reading: the panel code with systolic, diastolic and mean
    /// pressures in `mm[Hg]` and the pulse in `/min`.
    ///
    /// Pass `.device(reading.measuredAt)` only when `measuredAt` came from a trusted device clock.
    public static func bloodPressure(
        _ reading: BloodPressureReading, device: Device, patient: String, timestamp: Timestamp
    ) -> MeasurementIdentity {
        MeasurementIdentity(
            device: device, patient: patient, timestamp: timestamp, code: LOINC.bloodPressurePanel,
            values: [
                Value(code: LOINC.systolic, number: reading.systolic, unit: "mm[Hg]"),
                Value(code: LOINC.diastolic, number: reading.diastolic, unit: "mm[Hg]"),
                Value(code: LOINC.meanArterial, number: reading.meanArterial, unit: "mm[Hg]"),
                Value(code: LOINC.heartRate, number: reading.pulse, unit: "/min"),
            ])
    }

    /// The bytes the UUID is computed from, in encoding version 1 (see the type's documentation).
    public var canonicalName: [UInt8] {
        var name: [UInt8] = []
        func field(_ text: String) {
            let bytes = Array(text.utf8)
            name.append(contentsOf: String(bytes.count).utf8)
            name.append(UInt8(ascii: ":"))
            name.append(contentsOf: bytes)
            name.append(UInt8(ascii: ","))
        }
        field(Self.encodingTag)
        switch device {
        case .hardware(let profile, let serial):
            field("hardware")
            field(profile)
            field(serial)
        case .room(let profile, let deviceName):
            field("room")
            field(profile)
            field(deviceName)
        }
        field(patient)
        switch timestamp {
        case .device(let date):
            field("device")
            field(Self.milliseconds(date))
        case .received(let date):
            field("received")
            field(Self.milliseconds(date))
        }
        field(code)
        let sorted = values.sorted { ($0.code, $0.number, $0.unit) < ($1.code, $1.number, $1.unit) }
        field(String(sorted.count))
        for value in sorted {
            field(value.code)
            field(String(value.number))
            field(value.unit)
        }
        return name
    }

    /// The measurement's UUID (version 5, in ``namespace``).
    public var uuid: UUID {
        NameBasedUUID.version5(namespace: Self.namespace, name: canonicalName)
    }

    /// The UUID as the FHIR identifier value under system `urn:ietf:rfc:3986`: `urn:uuid:` and the
    /// lower-case UUID.
    public var urn: String {
        "urn:uuid:" + uuid.uuidString.lowercased()
    }

    /// Whole milliseconds since the Unix epoch, in decimal.
    private static func milliseconds(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        // A Date this far out is not a clock reading, but it still gets a stable, distinct text.
        guard milliseconds.isFinite, abs(milliseconds) < 9e18 else { return String(describing: milliseconds) }
        return String(Int64(milliseconds))
    }
}
