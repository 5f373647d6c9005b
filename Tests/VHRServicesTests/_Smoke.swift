import Testing

@Test func VHRServicesTestsBuilds() {}
