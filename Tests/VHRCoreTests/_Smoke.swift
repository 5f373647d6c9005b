import Testing

@Test func VHRCoreTestsBuilds() {}
