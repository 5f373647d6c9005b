/// One measurement from an IEEE 11073 agent, decoded against its configuration.
///
/// Blood pressure and pulse arrive as separate objects (handles), often in separate reports; pairing
/// them into one visit result is the caller's choice.
public struct PHDReading: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable {
        case bloodPressure(systolic: NumericValue, diastolic: NumericValue, meanArterial: NumericValue)
        case pulseRate(NumericValue)
        /// Any other object (a private code, a measurement the manager does not interpret).
        case other(partition: UInt16, type: UInt16, values: [NumericValue])
    }

    public var handle: UInt16
    /// The person on a multi-user device (multi-person scan reports), nil otherwise.
    public var personID: UInt16?
    public var kind: Kind
    /// Unit code (MDC_DIM_MMHG, MDC_DIM_KILO_PASCAL, MDC_DIM_BEAT_PER_MIN, …); nil if the object has none.
    public var unit: UInt16?
    /// The device's own local time stamp, possibly flagged as unset or invalid.
    public var time: AbsoluteTime?
    /// MDC_ATTR_MSMT_STAT bits, when sent.
    public var measurementStatus: UInt16?

    public init(
        handle: UInt16, personID: UInt16?, kind: Kind, unit: UInt16?, time: AbsoluteTime?,
        measurementStatus: UInt16? = nil
    ) {
        self.handle = handle
        self.personID = personID
        self.kind = kind
        self.unit = unit
        self.time = time
        self.measurementStatus = measurementStatus
    }

    /// The values in order (systolic, diastolic, mean for blood pressure).
    public var values: [NumericValue] {
        switch kind {
        case .bloodPressure(let systolic, let diastolic, let mean): [systolic, diastolic, mean]
        case .pulseRate(let value): [value]
        case .other(_, _, let values): values
        }
    }
}
