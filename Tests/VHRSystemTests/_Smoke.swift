import Testing

@Test func VHRSystemTestsBuilds() {}
