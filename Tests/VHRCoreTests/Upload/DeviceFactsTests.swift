import Testing
import VHRCore

@Suite struct DeviceFactsTests {
    private static let configured = DeviceFacts(
        manufacturer: "Profile Vendor", modelName: "BP-1", modelNumber: "P-M", serialNumber: "CONFIG-SN",
        firmwareVersion: "0.9", systemID: [9, 9, 9, 9, 9, 9, 9, 9], isSimulated: false)

    @Test func withoutASourceTheFactsAreUnchanged() {
        #expect(Self.configured.preferring(nil) == Self.configured)
        #expect(Self.configured.preferring(DeviceSource()) == Self.configured)
    }

    @Test func theUnitsOwnIdentityReplacesTheConfiguredOne() {
        let source = DeviceSource(systemID: [1, 2, 3, 4, 5, 6, 7, 8])
        let facts = Self.configured.preferring(source)
        // The configured serial and firmware may be the replacement unit's: never mixed in.
        #expect(facts.systemID == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(facts.serialNumber == nil && facts.firmwareVersion == nil)
        // What the model is stays the profile's unless the unit says otherwise.
        #expect(facts.manufacturer == "Profile Vendor" && facts.modelNumber == "P-M")
        #expect(facts.modelName == "BP-1" && !facts.isSimulated)
    }

    @Test func everythingTheUnitReportedComesFirst() {
        let source = DeviceSource(
            systemID: [1, 2, 3, 4, 5, 6, 7, 8], serialNumber: "UNIT-SN", firmwareVersion: "2.0",
            manufacturer: "Unit Inc",
            modelNumber: "U-M")
        let facts = Self.configured.preferring(source)
        #expect(
            facts
                == DeviceFacts(
                    manufacturer: "Unit Inc", modelName: "BP-1", modelNumber: "U-M", serialNumber: "UNIT-SN",
                    firmwareVersion: "2.0", systemID: [1, 2, 3, 4, 5, 6, 7, 8], isSimulated: false))
    }
}
