import Foundation

/// The 24-byte measurement result the module answers ``SunTechCommand/getResult`` with.
///
/// Layout after '>' and the length byte (offsets in the whole frame, values little-endian):
/// 2 systolic u16, 4 diastolic u16, 6 beats detected, 7 BP status, 8–15 test codes,
/// 16 heart rate, 17 spare, 18 MAP u16, 20 error code, 21–22 spare, 23 checksum.
public struct SunTechResult: Sendable, Equatable {
    /// The whole frame's length.
    public static let frameLength = 24

    public var systolic: Int
    public var diastolic: Int
    public var meanArterial: Int
    public var heartRate: Int
    /// Oscillation beats the module detected during deflation.
    public var beatsDetected: Int
    /// The module's BP status byte, passed through as sent.
    public var status: UInt8
    /// Eight bytes of module test codes, for SunTech support.
    public var testCodes: [UInt8]
    /// The raw error code; 0 means the values are a valid measurement.
    public var errorCodeValue: UInt8

    /// The error code when it is one SunTech documents; `nil` for 0 and for unknown codes.
    public var errorCode: SunTechErrorCode? { SunTechErrorCode(rawValue: errorCodeValue) }

    /// Whether the values are a measurement (error code 0).
    public var isSuccessful: Bool { errorCodeValue == 0 }

    /// Decodes a validated frame; `nil` if it is not 24 bytes long.
    public init?(frame: SunTechFrame) {
        let bytes = frame.bytes
        guard bytes.count == Self.frameLength else { return nil }
        func u16(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
        systolic = u16(2)
        diastolic = u16(4)
        beatsDetected = Int(bytes[6])
        status = bytes[7]
        testCodes = Array(bytes[8..<16])
        heartRate = Int(bytes[16])
        meanArterial = u16(18)
        errorCodeValue = bytes[20]
    }

    /// The reading for the room's pipeline, or why there is none.
    public func reading(measuredAt: Date) -> Result<BloodPressureReading, SunTechMeasurementFailure> {
        guard isSuccessful else { return .failure(SunTechMeasurementFailure(code: errorCodeValue)) }
        return .success(
            BloodPressureReading(
                systolic: systolic, diastolic: diastolic, meanArterial: meanArterial, pulse: heartRate,
                measuredAt: measuredAt))
    }
}

/// A measurement the module finished with a non-zero error code.
public struct SunTechMeasurementFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The raw error code from the result frame.
    public var code: UInt8

    /// The documented code, if it is one.
    public var errorCode: SunTechErrorCode? { SunTechErrorCode(rawValue: code) }

    /// How to report it to the patient, when one of ``CuffFailure`` fits.
    public var cuffFailure: CuffFailure? { errorCode?.cuffFailure }

    public var description: String {
        if let errorCode { return "SunTech error \(code): \(errorCode)" }
        return "SunTech error \(code), not in the interface specification; note the module's firmware for support"
    }
}
