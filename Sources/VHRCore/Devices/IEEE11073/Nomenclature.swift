/// The IEEE 11073-10101 codes this manager needs, with names for the technician's decoder.
public enum Nomenclature {
    // Object classes (partition 1).
    public static let classMDS: UInt16 = 33
    public static let classNumeric: UInt16 = 6

    // Attributes.
    public static let attrIDType: UInt16 = 0x092F
    public static let attrMetricSpecSmall: UInt16 = 0x0A46
    public static let attrMetricStructSmall: UInt16 = 0x0A73
    public static let attrIDPhysioList: UInt16 = 0x0A76
    public static let attrUnitCode: UInt16 = 0x0996
    public static let attrValueMap: UInt16 = 0x0A55
    public static let attrAccuracy: UInt16 = 0x094A
    public static let attrMeasurementStatus: UInt16 = 0x0947
    public static let attrSimpleValue: UInt16 = 0x0A56
    public static let attrBasicValue: UInt16 = 0x0A4C
    public static let attrCompoundBasicValue: UInt16 = 0x0A75
    public static let attrCompoundSimpleValue: UInt16 = 0x0A77
    public static let attrTimeStampAbsolute: UInt16 = 0x0990
    public static let attrSysTypeSpecList: UInt16 = 0x0A5A
    public static let attrIDModel: UInt16 = 0x0928
    public static let attrSysID: UInt16 = 0x0984
    public static let attrDevConfigID: UInt16 = 0x0A44
    public static let attrIDProdSpecn: UInt16 = 0x092D
    public static let attrTimeAbsolute: UInt16 = 0x0987
    public static let attrMDSTimeInfo: UInt16 = 0x0A45

    // Metrics (partition 2, SCADA).
    public static let pressureNoninvasive: UInt16 = 0x4A04
    public static let systolic: UInt16 = 0x4A05
    public static let diastolic: UInt16 = 0x4A06
    public static let meanArterial: UInt16 = 0x4A07
    public static let pulseRate: UInt16 = 0x482A

    // Units (partition 4).
    public static let unitDimensionless: UInt16 = 0x0200
    public static let unitMillimetreMercury: UInt16 = 0x0F20
    public static let unitKilopascal: UInt16 = 0x0F03
    public static let unitBeatsPerMinute: UInt16 = 0x0AA0

    // Event and action types.
    public static let notiConfig: UInt16 = 0x0D1C
    public static let notiScanReportFixed: UInt16 = 0x0D1D
    public static let notiScanReportVar: UInt16 = 0x0D1E
    public static let notiScanReportMPFixed: UInt16 = 0x0D1F
    public static let notiScanReportMPVar: UInt16 = 0x0D20
    public static let actionSetTime: UInt16 = 0x0C17
    public static let actionDataRequest: UInt16 = 0x0C1B

    /// The blood-pressure device specialization (MDC_DEV_SPEC_PROFILE_BP).
    public static let profileBloodPressure: UInt16 = 0x1007

    private static let attributeNames: [UInt16: String] = [
        attrIDType: "MDC_ATTR_ID_TYPE", attrMetricSpecSmall: "MDC_ATTR_METRIC_SPEC_SMALL",
        attrMetricStructSmall: "MDC_ATTR_METRIC_STRUCT_SMALL", attrIDPhysioList: "MDC_ATTR_ID_PHYSIO_LIST",
        attrUnitCode: "MDC_ATTR_UNIT_CODE", attrValueMap: "MDC_ATTR_ATTRIBUTE_VAL_MAP",
        attrAccuracy: "MDC_ATTR_NU_ACCUR_MSMT", attrMeasurementStatus: "MDC_ATTR_MSMT_STAT",
        attrSimpleValue: "MDC_ATTR_NU_VAL_OBS_SIMP", attrBasicValue: "MDC_ATTR_NU_VAL_OBS_BASIC",
        attrCompoundBasicValue: "MDC_ATTR_NU_CMPD_VAL_OBS_BASIC",
        attrCompoundSimpleValue: "MDC_ATTR_NU_CMPD_VAL_OBS_SIMP", attrTimeStampAbsolute: "MDC_ATTR_TIME_STAMP_ABS",
        attrSysTypeSpecList: "MDC_ATTR_SYS_TYPE_SPEC_LIST", attrIDModel: "MDC_ATTR_ID_MODEL",
        attrSysID: "MDC_ATTR_SYS_ID", attrDevConfigID: "MDC_ATTR_DEV_CONFIG_ID",
        attrIDProdSpecn: "MDC_ATTR_ID_PROD_SPECN", attrTimeAbsolute: "MDC_ATTR_TIME_ABS",
        attrMDSTimeInfo: "MDC_ATTR_MDS_TIME_INFO",
    ]

    private static let metricNames: [UInt16: String] = [
        pressureNoninvasive: "MDC_PRESS_BLD_NONINV", systolic: "MDC_PRESS_BLD_NONINV_SYS",
        diastolic: "MDC_PRESS_BLD_NONINV_DIA", meanArterial: "MDC_PRESS_BLD_NONINV_MEAN",
        pulseRate: "MDC_PULS_RATE_NON_INV",
    ]

    private static let unitNames: [UInt16: String] = [
        unitDimensionless: "dimensionless", unitMillimetreMercury: "mmHg", unitKilopascal: "kPa",
        unitBeatsPerMinute: "bpm",
    ]

    private static let eventNames: [UInt16: String] = [
        notiConfig: "MDC_NOTI_CONFIG", notiScanReportFixed: "MDC_NOTI_SCAN_REPORT_FIXED",
        notiScanReportVar: "MDC_NOTI_SCAN_REPORT_VAR", notiScanReportMPFixed: "MDC_NOTI_SCAN_REPORT_MP_FIXED",
        notiScanReportMPVar: "MDC_NOTI_SCAN_REPORT_MP_VAR",
    ]

    /// `MDC_ATTR_…` for a known attribute id, else `0x…`.
    public static func attributeName(_ id: UInt16) -> String { attributeNames[id] ?? "0x" + Hex.word(id) }
    /// `MDC_…` for a known metric code, else `0x…`.
    public static func metricName(_ code: UInt16) -> String { metricNames[code] ?? "0x" + Hex.word(code) }
    /// `mmHg`, `kPa`, `bpm` for known unit codes, else `0x…`.
    public static func unitName(_ code: UInt16) -> String { unitNames[code] ?? "0x" + Hex.word(code) }
    /// `MDC_NOTI_…` for a known event type, else `0x…`.
    public static func eventName(_ code: UInt16) -> String { eventNames[code] ?? "0x" + Hex.word(code) }
}
