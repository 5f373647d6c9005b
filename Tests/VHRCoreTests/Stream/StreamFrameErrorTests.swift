import Testing

@testable import VHRCore

@Suite struct StreamFrameErrorTests {
    @Test func badMagicShowsWhatWasSeenAndAsksAboutTheSocket() {
        let message = StreamFrameError.badMagic(Array("{\"ev".utf8)).description
        #expect(message.contains("7B 22 65 76"))
        #expect(message.contains(#""{"ev""#))
        #expect(message.contains("is this the stream socket?"))
        #expect(StreamFrameError.badMagic([0x00, 0x0A, 0xFF, 0x53]).description.contains(#"00 0A FF 53 "...S""#))
    }

    @Test func everyMessageNamesTheNumbersInvolved() {
        #expect(StreamFrameError.unsupportedVersion(9).description.contains("version 9"))
        #expect(StreamFrameError.headerTooShort(40).description.contains("40"))
        #expect(StreamFrameError.unknownType(7).description.contains("7"))
        #expect(StreamFrameError.payloadTooLarge(70000).description.contains("70000"))
        #expect(StreamFrameError.unexpectedPayload(.gap, 3).description.contains("GAP"))
        #expect(StreamFrameError.unsupportedFormat(2).description.contains("2"))
        #expect(StreamFrameError.partialAudioFrame(length: 159, bytesPerFrame: 2).description.contains("159"))
        #expect(StreamFrameError.truncatedFrame(12).description.contains("12"))
    }
}
