/// WAV files, from a full array and from a slice (a non-zero start index).
func fuzzWAV(_ bytes: [UInt8]) {
    _ = try? WAVFile(bytes: bytes)
    if !bytes.isEmpty { _ = try? WAVFile(bytes: bytes[1...]) }
}

/// Small valid WAV files to start from.
func wavSeeds() -> [[UInt8]] {
    [
        WAVFile(format: AudioFormat(sampleRate: 4000), samples: [0, 1, -1, 32767, -32768]).encoded(),
        WAVFile(format: AudioFormat(sampleRate: 48000, channels: 2), samples: [1, 2, 3, 4]).encoded(),
        WAVFile.header(format: AudioFormat(sampleRate: 8000), sampleCount: nil),
    ]
}
