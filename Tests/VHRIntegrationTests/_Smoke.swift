import Testing

@Test func VHRIntegrationTestsBuilds() {}
