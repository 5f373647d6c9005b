/// Why a byte sequence is not a WAV file vhr can play.
///
/// Each message names what was found and how to produce a file vhr accepts.
public enum WAVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first four bytes are not `RIFF` (RIFX and RF64 files are not supported either).
    case notRIFF
    /// The RIFF form type is not `WAVE`.
    case notWAVE(form: String)
    /// A chunk declares more bytes than the file holds.
    case truncatedChunk(id: String, offset: Int, declared: Int, available: Int)
    /// There is no `fmt ` chunk before the `data` chunk.
    case missingFormatChunk
    /// The `fmt ` chunk is shorter than the 16 bytes of a PCM format.
    case malformedFormatChunk(size: Int)
    /// The format code is not PCM (1), or WAVE_FORMAT_EXTENSIBLE with a PCM subformat.
    case unsupportedFormatCode(UInt16)
    /// The samples are not 16 bits wide.
    case unsupportedBitDepth(Int)
    /// The sample rate or the channel count is zero.
    case invalidFormat(sampleRate: Int, channels: Int)
    /// The file ends without a `data` chunk.
    case noDataChunk
    /// The `data` chunk does not hold a whole number of frames.
    case partialFrame(dataBytes: Int, bytesPerFrame: Int)

    private static let convertHint =
        "convert it with 'sox in.wav -b 16 -e signed-integer out.wav' (16-bit signed PCM)"

    public var description: String {
        switch self {
        case .notRIFF:
            "not a WAV file: it does not start with 'RIFF'; \(Self.convertHint)"
        case .notWAVE(let form):
            "not a WAV file: the RIFF form is '\(form)', not 'WAVE'; \(Self.convertHint)"
        case .truncatedChunk(let id, let offset, let declared, let available):
            "the WAV file is cut short: chunk '\(id)' at byte \(offset) declares \(declared) bytes "
                + "but only \(available) follow; copy the file again or re-record it"
        case .missingFormatChunk:
            "the WAV file has no 'fmt ' chunk before its samples; \(Self.convertHint)"
        case .malformedFormatChunk(let size):
            "the WAV file's 'fmt ' chunk is \(size) bytes, fewer than the 16 a PCM format needs; "
                + Self.convertHint
        case .unsupportedFormatCode(let code):
            "the WAV file uses format code \(code), not PCM (1); \(Self.convertHint)"
        case .unsupportedBitDepth(let bits):
            "the WAV file has \(bits)-bit samples, not 16-bit; \(Self.convertHint)"
        case .invalidFormat(let sampleRate, let channels):
            "the WAV file declares \(sampleRate) Hz and \(channels) channels; both must be positive; "
                + Self.convertHint
        case .noDataChunk:
            "the WAV file has no 'data' chunk, so no samples; re-record or re-export it"
        case .partialFrame(let dataBytes, let bytesPerFrame):
            "the WAV file's 'data' chunk is \(dataBytes) bytes, not a multiple of its \(bytesPerFrame)-byte "
                + "frames; the file is damaged, re-export it"
        }
    }
}

/// A 16-bit PCM WAV file: its format and its interleaved samples.
///
/// Parsing walks the RIFF chunks in order, skips those it does not need (`LIST`, `fact`,
/// `cue `, ...) and honours the pad byte after odd-sized chunks. A `data` chunk whose size is
/// 0xFFFFFFFF is the streaming form written by `header(format:sampleCount:)` (and by sox or
/// arecord to a pipe): it runs to the end of the bytes.
public struct WAVFile: Sendable, Equatable {
    /// The format of `samples`.
    public var format: AudioFormat
    /// Interleaved samples, `frameCount × format.channels` of them.
    public var samples: [Int16]

    /// Wraps samples already in memory, for example to encode them.
    public init(format: AudioFormat, samples: [Int16]) {
        precondition(samples.count % format.channels == 0, "WAV samples must be whole frames")
        self.format = format
        self.samples = samples
    }

    /// The number of frames (one sample per channel each).
    public var frameCount: Int { samples.count / format.channels }

    /// The size a RIFF or data chunk declares when the length is not known in advance.
    public static let streamingSize: UInt32 = 0xFFFF_FFFF

    /// The 44-byte canonical header of a 16-bit PCM WAV file.
    ///
    /// - Parameters:
    ///   - format: The stream's format.
    ///   - sampleCount: The number of interleaved samples that follow (frames × channels), or
    ///     `nil` for a live stream: the RIFF and data sizes are then 0xFFFFFFFF, which aplay,
    ///     sox and ffmpeg read as "until the end".
    public static func header(format: AudioFormat, sampleCount: Int?) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44)
        let dataSize: UInt32
        let riffSize: UInt32
        if let sampleCount {
            precondition(sampleCount >= 0 && sampleCount % format.channels == 0, "sampleCount must be whole frames")
            let size = UInt64(sampleCount) * 2
            precondition(size + 36 < UInt64(streamingSize), "too many samples for a WAV file")
            dataSize = UInt32(size)
            riffSize = dataSize + 36
        } else {
            dataSize = streamingSize
            riffSize = streamingSize
        }
        bytes.append(contentsOf: Array("RIFF".utf8))
        append(riffSize, to: &bytes)
        bytes.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16), to: &bytes)
        append(UInt16(1), to: &bytes)  // PCM
        append(UInt16(format.channels), to: &bytes)
        append(UInt32(format.sampleRate), to: &bytes)
        append(UInt32(format.sampleRate * format.bytesPerFrame), to: &bytes)
        append(UInt16(format.bytesPerFrame), to: &bytes)
        append(UInt16(16), to: &bytes)
        bytes.append(contentsOf: Array("data".utf8))
        append(dataSize, to: &bytes)
        return bytes
    }

    /// The whole file: the canonical header followed by the samples, little-endian.
    public func encoded() -> [UInt8] {
        var bytes = Self.header(format: format, sampleCount: samples.count)
        bytes.reserveCapacity(bytes.count + samples.count * 2)
        for sample in samples {
            append(UInt16(bitPattern: sample), to: &bytes)
        }
        return bytes
    }

    /// Parses a whole WAV file.
    ///
    /// - Throws: `WAVError` naming the first problem found.
    public init(bytes: some Collection<UInt8>) throws(WAVError) {
        let bytes = Array(bytes)
        guard bytes.count >= 12, Self.fourCC(bytes, at: 0) == "RIFF" else { throw .notRIFF }
        let form = Self.fourCC(bytes, at: 8)
        guard form == "WAVE" else { throw .notWAVE(form: form) }

        var format: AudioFormat?
        var offset = 12
        // Fewer than 8 bytes left cannot be a chunk header: trailing junk some writers leave.
        while bytes.count - offset >= 8 {
            let id = Self.fourCC(bytes, at: offset)
            let declared = UInt32(Self.uint(bytes, at: offset + 4, width: 4))
            let body = offset + 8
            let available = bytes.count - body

            if id == "data" {
                guard let format else { throw .missingFormatChunk }
                let size: Int
                if declared == Self.streamingSize {
                    size = available - available % format.bytesPerFrame
                } else {
                    guard Int(declared) <= available else {
                        throw .truncatedChunk(id: id, offset: offset, declared: Int(declared), available: available)
                    }
                    size = Int(declared)
                }
                guard size % format.bytesPerFrame == 0 else {
                    throw .partialFrame(dataBytes: size, bytesPerFrame: format.bytesPerFrame)
                }
                var samples = [Int16](repeating: 0, count: size / 2)
                for index in samples.indices {
                    samples[index] = Int16(bitPattern: UInt16(Self.uint(bytes, at: body + 2 * index, width: 2)))
                }
                self.init(format: format, samples: samples)
                return
            }

            guard Int(declared) <= available else {
                throw .truncatedChunk(id: id, offset: offset, declared: Int(declared), available: available)
            }
            if id == "fmt " {
                format = try Self.parseFormat(bytes, at: body, size: Int(declared))
            }
            // RIFF chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
            offset = body + Int(declared) + Int(declared & 1)
        }
        throw .noDataChunk
    }

    private static func parseFormat(_ bytes: [UInt8], at start: Int, size: Int) throws(WAVError) -> AudioFormat {
        guard size >= 16 else { throw .malformedFormatChunk(size: size) }
        var code = UInt16(uint(bytes, at: start, width: 2))
        let channels = Int(uint(bytes, at: start + 2, width: 2))
        let sampleRate = Int(uint(bytes, at: start + 4, width: 4))
        let bits = Int(uint(bytes, at: start + 14, width: 2))
        // WAVE_FORMAT_EXTENSIBLE carries the real format code in the first two bytes of its
        // subformat GUID, 24 bytes into the extension.
        if code == 0xFFFE && size >= 40 {
            code = UInt16(uint(bytes, at: start + 24, width: 2))
        }
        guard code == 1 else { throw .unsupportedFormatCode(code) }
        guard bits == 16 else { throw .unsupportedBitDepth(bits) }
        guard sampleRate > 0, channels > 0 else { throw .invalidFormat(sampleRate: sampleRate, channels: channels) }
        return AudioFormat(sampleRate: sampleRate, channels: channels)
    }

    private static func fourCC(_ bytes: [UInt8], at offset: Int) -> String {
        String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
    }

    /// Reads a little-endian unsigned integer of `width` bytes.
    private static func uint(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<width).reversed() {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        return value
    }
}

private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    var little = value.littleEndian
    withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
}
