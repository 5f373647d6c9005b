import Testing

@testable import VHRCore

@Suite struct ClosestMatchTests {
    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(editDistance(Array(""), Array("abc")) == 3)
        #expect(editDistance(Array("abc"), Array("")) == 3)
        #expect(editDistance(Array("same"), Array("same")) == 0)
        #expect(editDistance(Array("nmae"), Array("name")) == 1)
        #expect(editDistance(Array("ca"), Array("abc")) == 3)
    }

    @Test func suggestsOnlyCloseCandidates() {
        let keys = ["name", "runtime-dir", "state-dir", "profiles-dir"]
        #expect(closestMatch(to: "nmae", in: keys) == "name")
        #expect(closestMatch(to: "runtime-directory", in: keys) == nil)
        #expect(closestMatch(to: "runtimedir", in: keys) == "runtime-dir")
        #expect(closestMatch(to: "Name", in: keys) == "name")
        #expect(closestMatch(to: "colour", in: keys) == nil)
        #expect(closestMatch(to: "x", in: [String]()) == nil)
    }
}
