import Foundation
import Testing

@testable import VHRCore

@Suite struct StreamHelloTests {
    @Test func usesSnakeCaseKeys() throws {
        let hello = StreamFrameDecoderTests.hello
        let json = hello.jsonValue
        #expect(
            json.jsonLine()
                == #"{"channels":1,"clock":{"monotonic_ns":5000000000,"realtime_ns":1760000000000000000},"#
                + #""device":"stethoscope","filter":"bell","format":"S16LE","frame_ms":20,"#
                + #""model":"Simulated stethoscope","proto":1,"rate":4000,"start_index":0,"#
                + #""stream_id":"6F1C9A52-0B1E-4C0B-9C53-3C1B8F6C2D11"}"#)
        #expect(try json.decode(StreamHello.self) == hello)
    }

    @Test func filterIsOptional() throws {
        var hello = StreamFrameDecoderTests.hello
        hello.filter = nil
        #expect(hello.jsonValue["filter"] == nil)
        #expect(try hello.jsonValue.decode(StreamHello.self) == hello)
    }

    @Test func announcesItsAudioFormat() {
        var hello = StreamFrameDecoderTests.hello
        #expect(hello.audioFormat == AudioFormat(sampleRate: 4000, channels: 1))
        hello.format = "F32LE"
        #expect(hello.audioFormat == nil)
    }
}
