import Foundation
import Testing
import VHRCore

@Suite struct WAVFileTests {
    /// Little-endian bytes of a value, for building files by hand.
    private func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private func chunk(_ id: String, _ body: [UInt8]) -> [UInt8] {
        Array(id.utf8) + le(UInt32(body.count)) + body + (body.count % 2 == 1 ? [0] : [])
    }

    private func fmtBody(code: UInt16 = 1, channels: UInt16 = 1, rate: UInt32 = 2000, bits: UInt16 = 16) -> [UInt8] {
        let align = channels * bits / 8
        return le(code) + le(channels) + le(rate) + le(rate * UInt32(align)) + le(align) + le(bits)
    }

    private func riff(_ chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le(UInt32(chunks.count + 4)) + Array("WAVE".utf8) + chunks
    }

    private func sampleBytes(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { le($0) }
    }

    @Test func canonicalHeaderLayout() {
        let header = WAVFile.header(format: AudioFormat(sampleRate: 8000, channels: 2), sampleCount: 10)
        let expected =
            Array("RIFF".utf8) + le(UInt32(36 + 20)) + Array("WAVEfmt ".utf8) + le(UInt32(16))
            + fmtBody(channels: 2, rate: 8000) + Array("data".utf8) + le(UInt32(20))
        #expect(header == expected)
        #expect(header.count == 44)
    }

    @Test func streamingHeaderHasUnknownSizes() throws {
        let header = WAVFile.header(format: AudioFormat(sampleRate: 4000), sampleCount: nil)
        #expect(header.count == 44)
        #expect(Array(header[4..<8]) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(header[40..<44]) == [0xFF, 0xFF, 0xFF, 0xFF])
        // A live stream cut at any point parses to the whole frames received.
        let samples: [Int16] = [1, -2, 3, -4, 5]
        let parsed = try WAVFile(bytes: header + sampleBytes(samples) + [0x7F])
        #expect(parsed.format == AudioFormat(sampleRate: 4000))
        #expect(parsed.samples == samples)
    }

    @Test func roundTripsMonoAndStereo() throws {
        for channels in [1, 2, 3] {
            let format = AudioFormat(sampleRate: 44_100, channels: channels)
            let samples = (0..<(channels * 257)).map { Int16(truncatingIfNeeded: $0 &* 2654) }
            let original = WAVFile(format: format, samples: samples)
            let bytes = original.encoded()
            #expect(bytes.count == 44 + samples.count * 2)
            let parsed = try WAVFile(bytes: bytes)
            #expect(parsed == original)
            #expect(parsed.frameCount == 257)
        }
    }

    @Test func extremeSamplesSurvive() throws {
        let original = WAVFile(format: AudioFormat(sampleRate: 2000), samples: [.min, .max, 0, -1, 1])
        #expect(try WAVFile(bytes: original.encoded()) == original)
    }

    @Test func parsesFromAnyCollection() throws {
        let original = WAVFile(format: AudioFormat(sampleRate: 2000), samples: [10, 20, 30])
        let bytes = original.encoded()
        #expect(try WAVFile(bytes: Data(bytes)) == original)
        #expect(try WAVFile(bytes: ([0xAA] + bytes)[1...]) == original)
    }

    @Test func skipsUnknownChunksWithOddPadding() throws {
        let samples: [Int16] = [100, -100, 7]
        // An odd-sized LIST chunk before fmt and an odd-sized junk chunk between fmt and data.
        let bytes = riff(
            chunk("LIST", Array("INFOabc".utf8)) + chunk("fmt ", fmtBody()) + chunk("junk", [1, 2, 3])
                + chunk("data", sampleBytes(samples)) + chunk("LIST", [9]))
        let parsed = try WAVFile(bytes: bytes)
        #expect(parsed.samples == samples)
        #expect(parsed.format == AudioFormat(sampleRate: 2000))
    }

    @Test func acceptsExtensiblePCM() throws {
        let subformat: [UInt8] =
            le(UInt16(1)) + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
        let body = fmtBody(code: 0xFFFE) + le(UInt16(22)) + le(UInt16(16)) + le(UInt32(4)) + subformat
        let parsed = try WAVFile(bytes: riff(chunk("fmt ", body) + chunk("data", sampleBytes([5, 6]))))
        #expect(parsed.samples == [5, 6])
    }

    @Test func rejectsNonRIFF() {
        #expect(throws: WAVError.notRIFF) { try WAVFile(bytes: Array("RIFX".utf8) + [UInt8](repeating: 0, count: 40)) }
        #expect(throws: WAVError.notRIFF) { try WAVFile(bytes: [UInt8]()) }
        #expect(throws: WAVError.notWAVE(form: "AVI ")) {
            try WAVFile(bytes: Array("RIFF".utf8) + le(UInt32(4)) + Array("AVI ".utf8))
        }
    }

    @Test func rejectsUnsupportedFormats() {
        #expect(throws: WAVError.unsupportedFormatCode(3)) {
            try WAVFile(bytes: riff(chunk("fmt ", fmtBody(code: 3, bits: 32)) + chunk("data", [0, 0, 0, 0])))
        }
        #expect(throws: WAVError.unsupportedBitDepth(24)) {
            try WAVFile(bytes: riff(chunk("fmt ", fmtBody(bits: 24)) + chunk("data", [0, 0, 0])))
        }
        #expect(throws: WAVError.invalidFormat(sampleRate: 0, channels: 1)) {
            try WAVFile(bytes: riff(chunk("fmt ", fmtBody(rate: 0)) + chunk("data", [])))
        }
        #expect(throws: WAVError.malformedFormatChunk(size: 14)) {
            try WAVFile(bytes: riff(chunk("fmt ", Array(fmtBody()[0..<14])) + chunk("data", [])))
        }
    }

    @Test func rejectsMissingChunks() {
        #expect(throws: WAVError.noDataChunk) { try WAVFile(bytes: riff(chunk("fmt ", fmtBody()))) }
        #expect(throws: WAVError.missingFormatChunk) { try WAVFile(bytes: riff(chunk("data", [1, 2]))) }
        #expect(throws: WAVError.partialFrame(dataBytes: 6, bytesPerFrame: 4)) {
            try WAVFile(bytes: riff(chunk("fmt ", fmtBody(channels: 2)) + chunk("data", [1, 2, 3, 4, 5, 6])))
        }
    }

    @Test func rejectsTruncatedChunks() {
        let whole = WAVFile(format: AudioFormat(sampleRate: 2000), samples: [1, 2, 3, 4]).encoded()
        #expect(throws: WAVError.truncatedChunk(id: "data", offset: 36, declared: 8, available: 5)) {
            try WAVFile(bytes: whole.dropLast(3))
        }
        #expect(throws: WAVError.truncatedChunk(id: "fmt ", offset: 12, declared: 16, available: 10)) {
            try WAVFile(bytes: whole.prefix(30))
        }
    }

    @Test func everyPrefixFailsCleanly() {
        let whole = WAVFile(format: AudioFormat(sampleRate: 2000), samples: [1, 2, 3, 4]).encoded()
        for length in 0..<whole.count {
            #expect(throws: WAVError.self) { try WAVFile(bytes: whole.prefix(length)) }
        }
    }

    @Test func errorsSayWhatToDo() {
        #expect(WAVError.unsupportedBitDepth(24).description.contains("sox"))
        #expect(WAVError.notRIFF.description.contains("RIFF"))
    }

    /// The bundled PhysioNet recordings, read from the VHRDevices resources.
    @Test(arguments: [
        ("physionet2016_c0003_normal", 32.6), ("physionet2016_c0002_mr", 11.6), ("physionet2016_c0017_as", 61.4),
    ])
    func bundledRecordingsParse(name: String, seconds: Double) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("Sources/VHRDevices/Simulated/Recordings/\(name).wav")
        let bytes = try Data(contentsOf: url)
        let wav = try WAVFile(bytes: bytes)
        #expect(wav.format == AudioFormat(sampleRate: 2000, channels: 1))
        #expect(wav.samples.count == (bytes.count - 44) / 2)
        #expect(abs(Double(wav.frameCount) / 2000 - seconds) < 0.05)
        #expect(wav.samples.contains { $0 != 0 })
    }
}
