import Testing

@Test func VHRDevicesTestsBuilds() {}
