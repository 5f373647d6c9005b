import Testing
import VHRCore

@Suite struct ReadingDeduplicatorTests {
    static func reading(_ systolic: Int32, time: [UInt8]) -> PHDReading {
        PHDReading(
            handle: 1, personID: nil,
            kind: .bloodPressure(
                systolic: .number(mantissa: systolic, exponent: 0), diastolic: .number(mantissa: 80, exponent: 0),
                meanArterial: .number(mantissa: 100, exponent: 0)),
            unit: Nomenclature.unitMillimetreMercury, time: try? AbsoluteTime(bytes: time))
    }

    static let monday: [UInt8] = [0x20, 0x24, 0x03, 0x04, 0x08, 0x00, 0x00, 0x00]
    static let tuesday: [UInt8] = [0x20, 0x24, 0x03, 0x05, 0x08, 0x00, 0x00, 0x00]
    static let unset = [UInt8](repeating: 0xFF, count: 8)

    @Test func datedReadingsAreDeliveredOncePerDevice() {
        var deduplicator = ReadingDeduplicator()
        let stored = [Self.reading(120, time: Self.monday), Self.reading(125, time: Self.tuesday)]
        #expect(deduplicator.admit(stored, systemID: [1]) == stored)
        deduplicator.beginAssociation()
        #expect(deduplicator.admit(stored, systemID: [1]).isEmpty)
        // A different value at the same time is a different reading; another device is another device.
        #expect(deduplicator.admit([Self.reading(121, time: Self.monday)], systemID: [1]).count == 1)
        #expect(deduplicator.admit(stored, systemID: [2]) == stored)
    }

    @Test func undatedReadingsAreOnlyDeduplicatedWithinAnAssociation() {
        var deduplicator = ReadingDeduplicator()
        let reading = Self.reading(120, time: Self.unset)
        #expect(deduplicator.admit([reading, reading], systemID: [1]) == [reading])
        deduplicator.beginAssociation()
        #expect(deduplicator.admit([reading], systemID: [1]) == [reading])
    }

    @Test func forgetsTheOldestBeyondItsCapacity() {
        var deduplicator = ReadingDeduplicator(capacity: 1)
        let first = Self.reading(120, time: Self.monday)
        let second = Self.reading(120, time: Self.tuesday)
        #expect(deduplicator.admit([first, second], systemID: [1]).count == 2)
        #expect(deduplicator.admit([first], systemID: [1]) == [first])
        #expect(deduplicator.admit([first], systemID: [1]).isEmpty)
    }
}
