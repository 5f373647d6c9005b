import Testing
import VHRCore

@Suite struct BloodPressureDecoderTests {
    static let standard = BloodPressureDecoder(configuration: .bloodPressureStandard)

    static func time(_ text: String) -> [UInt8] { BPVectors.bytes(text) }

    /// A fixed-format observation of the standard configuration's handle 1.
    static func pressure(_ systolic: UInt16, _ diastolic: UInt16, _ mean: UInt16, at time: [UInt8]) -> [UInt8] {
        var writer = MDERWriter()
        writer.sequence([systolic, diastolic, mean]) { writer, value in writer.u16(value) }
        return writer.bytes + time
    }

    static func pulse(_ raw: UInt16, at time: [UInt8]) -> [UInt8] {
        [UInt8(raw >> 8), UInt8(raw & 0xFF)] + time
    }

    static func report(_ observations: [ScanReport.Observation], format: ScanReport.Format = .fixed) -> APDU {
        let groups = [ScanReport.Group(personID: format == .multiPersonFixed ? 1 : nil, observations: observations)]
        let scan = ScanReport(format: format, dataRequestID: 0xF000, reportNumber: 3, groups: groups)
        let argument = EventReportArgument(
            objectHandle: 0, eventTime: 0xFFFF_FFFF, eventType: format.eventType, info: .scan(scan))
        return .presentation(DataAPDU(invokeID: 0x1000, message: .eventReport(argument, confirmed: true)))
    }

    @Test(arguments: ["antidote.H241_ID_02BC.bp_measurement", "freescale.bpm.measurement"])
    func decodesTheStandardConfigurationVectors(_ id: String) throws {
        let vector = BPVectors.vector(id)
        let readings = try Self.standard.readings(from: APDU.decode(vector.bytes))
        let expected = vector.expected["scanReport"]?["observations"]?.arrayValue ?? []
        #expect(readings.count == expected.count)
        for (reading, observation) in zip(readings, expected) {
            #expect(Int(reading.handle) == BPVectors.number(observation["handle"]))
            #expect(reading.time?.description == observation["time"]?.stringValue)
            switch reading.kind {
            case .bloodPressure(let systolic, let diastolic, let mean):
                #expect(systolic.double == observation["systolic_mmHg"]?.doubleValue)
                #expect(diastolic.double == observation["diastolic_mmHg"]?.doubleValue)
                #expect(mean.double == observation["map_mmHg"]?.doubleValue)
                #expect(reading.unit == Nomenclature.unitMillimetreMercury)
            case .pulseRate(let value):
                #expect(value.double == observation["pulse_bpm"]?.doubleValue)
                #expect(reading.unit == Nomenclature.unitBeatsPerMinute)
            case .other: Issue.record("unexpected kind")
            }
        }
    }

    @Test func decodesTheMultiPersonReportWithTheExtendedConfiguration() throws {
        let configurationAPDU = try APDU.decode(BPVectors.vector("antidote.bp.roiv_mdc_noti_config").bytes)
        guard case .presentation(let data) = configurationAPDU, case .eventReport(let argument, _) = data.message,
            case .configuration(let report) = argument.info
        else { Issue.record("not a configuration report"); return }
        let decoder = BloodPressureDecoder(configuration: try Configuration(report: report))
        let vector = BPVectors.vector("antidote.bp.roiv_mds_note_scan_report_mp_fixed")
        let readings = try decoder.readings(from: APDU.decode(vector.bytes))
        #expect(readings.map(\.personID) == [66, 66, 66])
        let values = readings.map { $0.values.compactMap(\.double) }
        #expect(values == [[113, 71, 85], [71], [0]])
        #expect(readings.allSatisfy { $0.time?.description == "2010-07-21T15:35:53.00" })
        guard case .other(let partition, let type, _) = readings[2].kind else {
            Issue.record("handle 3 should be an unknown metric"); return
        }
        #expect(partition == 2 && type == 0xF012)
        #expect(readings[2].unit == Nomenclature.unitDimensionless)
    }

    @Test func decodesFloatValuesWithTheirConfiguration() throws {
        let map: [MetricObject.ValueMapEntry] = [
            .init(attributeID: Nomenclature.attrSimpleValue, length: 4),
            .init(attributeID: Nomenclature.attrTimeStampAbsolute, length: 8),
        ]
        let scale = Configuration(
            id: 0x05DC,
            objects: [
                MetricObject(handle: 1, type: 0xE140, unit: 0x06C3, valueMap: map),
                MetricObject(handle: 2, type: 0xE144, unit: 0x0220, valueMap: map),
            ])
        let vector = BPVectors.vector("antidote.H241.scale_FLOAT_measurement")
        let readings = try BloodPressureDecoder(configuration: scale).readings(from: APDU.decode(vector.bytes))
        #expect(
            readings.map(\.values) == [[.number(mantissa: 624, exponent: -1)], [.number(mantissa: 256, exponent: -1)]])
        // The standard BP configuration does not fit these bytes, and says where.
        #expect(throws: IEEE11073Error.self) { try Self.standard.readings(from: APDU.decode(vector.bytes)) }
    }

    @Test func decodesSeveralStoredReadingsInOneReport() throws {
        let apdu = Self.report([
            .init(handle: 1, content: .fixed(Self.pressure(120, 80, 100, at: Self.time("20 24 03 01 08 00 00 00")))),
            .init(handle: 1, content: .fixed(Self.pressure(131, 85, 100, at: Self.time("20 24 03 02 08 00 00 00")))),
            .init(handle: 1, content: .fixed(Self.pressure(118, 79, 92, at: Self.time("20 24 03 03 08 00 00 00")))),
        ])
        let readings = try Self.standard.readings(from: APDU.decode(apdu.encode()))
        #expect(readings.map { $0.values.compactMap(\.double) } == [[120, 80, 100], [131, 85, 100], [118, 79, 92]])
        #expect(readings.map { $0.time?.day } == [1, 2, 3])
    }

    @Test func decodesPressureAndPulseFromSeparateReports() throws {
        let time = Self.time("20 24 03 01 08 00 00 00")
        let first = Self.report([.init(handle: 1, content: .fixed(Self.pressure(120, 80, 100, at: time)))])
        let second = Self.report([.init(handle: 2, content: .fixed(Self.pulse(0x0048, at: time)))])
        let readings = try Self.standard.readings(from: first) + Self.standard.readings(from: second)
        #expect(readings.map(\.handle) == [1, 2])
        #expect(readings[1].kind == .pulseRate(.number(mantissa: 72, exponent: 0)))
    }

    @Test func flagsAnUnsetClockInsteadOfInventingATime() throws {
        let apdu = Self.report([
            .init(handle: 1, content: .fixed(Self.pressure(120, 80, 100, at: [UInt8](repeating: 0, count: 8))))
        ])
        let reading = try #require(try Self.standard.readings(from: apdu).first)
        #expect(reading.time?.problem == .unset)
    }

    @Test func decodesAVariableFormatReport() throws {
        var compound = MDERWriter()
        compound.sequence([UInt16(0x0078), 0x0050, 0x0064]) { writer, value in writer.u16(value) }
        let apdu = Self.report(
            [
                .init(
                    handle: 1,
                    content: .attributes([
                        Attribute(id: Nomenclature.attrCompoundBasicValue, value: compound.bytes),
                        Attribute(id: Nomenclature.attrTimeStampAbsolute, value: Self.time("20 07 12 06 12 10 00 00")),
                        Attribute(id: 0x0A99, value: [1, 2, 3]),
                    ])),
                .init(
                    handle: 2, content: .attributes([Attribute(id: Nomenclature.attrBasicValue, value: [0xF2, 0x58])])),
            ], format: .variable)
        let readings = try Self.standard.readings(from: APDU.decode(apdu.encode()))
        #expect(readings.map { $0.values.compactMap(\.double) } == [[120, 80, 100], [60]])
        #expect(readings[0].time?.description == "2007-12-06T12:10:00.00")
        #expect(readings[1].time == nil)
    }

    @Test func honoursKilopascalInAnExtendedConfiguration() throws {
        var objects = Configuration.bloodPressureStandard.objects
        objects[0].unit = Nomenclature.unitKilopascal
        let decoder = BloodPressureDecoder(configuration: Configuration(id: 0x4001, objects: objects))
        let apdu = Self.report([
            .init(
                handle: 1,
                content: .fixed(Self.pressure(0xF0A0, 0xF06B, 0xF085, at: Self.time("20 24 03 01 08 00 00 00"))))
        ])
        let reading = try #require(try decoder.readings(from: apdu).first)
        #expect(reading.unit == Nomenclature.unitKilopascal)
        #expect(reading.values.map(\.description) == ["16.0", "10.7", "13.3"])
    }

    @Test func rejectsAnUnknownHandle() {
        let apdu = Self.report([.init(handle: 9, content: .fixed([0, 0]))])
        #expect(throws: IEEE11073Error(field: "ScanReport.observation[handle 9]", offset: 0, kind: .unknownHandle(9))) {
            try Self.standard.readings(from: apdu)
        }
    }

    @Test func rejectsObservationsThatDoNotFitTheValueMap() {
        let time = Self.time("20 24 03 01 08 00 00 00")
        let long = Self.report([.init(handle: 2, content: .fixed(Self.pulse(0x0048, at: time) + [0]))])
        #expect(
            throws: IEEE11073Error(
                field: "ScanReport.observation[handle 2]", offset: 10, kind: .trailingBytes(count: 1))
        ) {
            try Self.standard.readings(from: long)
        }
        let short = Self.report([.init(handle: 2, content: .fixed(Self.pulse(0x0048, at: Array(time.prefix(7)))))])
        #expect(throws: IEEE11073Error.self) { try Self.standard.readings(from: short) }
        // Two values where the compound needs three.
        var two = MDERWriter()
        two.sequence([UInt16(120), 80]) { writer, value in writer.u16(value) }
        let variable = Self.report(
            [
                .init(
                    handle: 1,
                    content: .attributes([Attribute(id: Nomenclature.attrCompoundBasicValue, value: two.bytes)]))
            ],
            format: .variable)
        #expect(throws: IEEE11073Error.self) { try Self.standard.readings(from: variable) }
    }

    @Test func otherAPDUsCarryNoReadings() throws {
        #expect(try Self.standard.readings(from: APDU.abort(reason: 0)).isEmpty)
    }
}
