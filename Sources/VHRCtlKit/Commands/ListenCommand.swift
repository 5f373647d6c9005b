import VHRCore
import VHRSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `vhrctl listen`: the stethoscope stream as WAV or raw S16LE, for aplay, sox or a file.
///
/// Samples are written in stream order; if the daemon reports lost samples, silence of the
/// same length is written in their place (and a warning printed), so the timing a clinician
/// hears stays true.
enum ListenCommand {
    enum Format: String { case wav, raw }

    static func run(_ reader: inout ArgumentReader, _ context: CommandContext) throws(CommandFailure) {
        let formatName = try reader.option("--format") ?? "wav"
        guard let format = Format(rawValue: formatName) else {
            throw CommandFailure(.usage, "--format must be wav or raw")
        }
        var seconds: Double?
        if let text = try reader.option("--seconds") {
            guard let value = Double(text), value > 0, value < 86400 else {
                throw CommandFailure(.usage, "--seconds needs a positive number of seconds")
            }
            seconds = value
        }
        let outputPath = try reader.option("--output")
        try reader.finish()

        let output: FileDescriptor
        if let outputPath {
            do {
                output = try FileDescriptor.open(
                    outputPath, .writeOnly, options: [.create, .truncate], permissions: 0o600)
            } catch {
                throw CommandFailure(.failed, "cannot write \(outputPath): \(error)")
            }
        } else {
            guard isatty(1) == 0 else {
                throw CommandFailure(
                    .usage, "refusing to write audio to a terminal",
                    hint: "pipe it: vhrctl listen | aplay, or use --output FILE")
            }
            output = .standardOutput
        }
        defer { if outputPath != nil { output.closeIgnoringErrors() } }
        try StreamListener(socketPath: context.streamSocket).copy(
            to: output, format: format, seconds: seconds, quiet: context.json)
    }
}

/// A client of the stream socket that copies audio out.
struct StreamListener {
    let socketPath: String

    func copy(
        to output: FileDescriptor, format: ListenCommand.Format, seconds: Double?, quiet: Bool
    ) throws(CommandFailure) {
        let fd: FileDescriptor
        do {
            fd = try UnixSocket.connect(path: socketPath)
        } catch {
            throw CommandFailure(.unreachable, "cannot reach vhrd's stream at \(socketPath): \(error)")
        }
        defer { fd.closeIgnoringErrors() }
        var decoder = StreamFrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var hello: StreamHello?
        var wanted: Int?
        var written = 0
        var expectedIndex: UInt64 = 0
        var lost: UInt64 = 0

        func emit(_ bytes: [UInt8]) throws(CommandFailure) {
            guard Output.write(bytes, to: output) else {
                // The reader went away (aplay quit, `| head`): that ends listening, quietly.
                throw CommandFailure(.ok, "")
            }
        }

        do throws(CommandFailure) {
            while wanted.map({ written < $0 }) ?? true {
                guard let frame = try nextFrame(&decoder, fd: fd, buffer: &buffer) else {
                    throw CommandFailure(.protocolError, "vhrd closed the stream")
                }
                switch frame.header.type {
                case .hello:
                    let greeting: StreamHello
                    do {
                        greeting = try frame.hello()
                    } catch {
                        throw CommandFailure(.protocolError, "unreadable stream hello: \(error)")
                    }
                    guard hello == nil else {
                        throw CommandFailure(.protocolError, "the stream format changed while listening")
                    }
                    hello = greeting
                    expectedIndex = greeting.startIndex
                    let audio = AudioFormat(sampleRate: greeting.rate, channels: greeting.channels)
                    wanted = seconds.map { Int(($0 * Double(greeting.rate)).rounded()) }
                    if format == .wav { try emit(WAVFile.header(format: audio, sampleCount: wanted)) }
                    if !quiet {
                        Output.error(
                            "listening to \(greeting.device) (\(greeting.model)), \(audio)"
                                + (seconds.map { ", \($0) s" } ?? ""))
                    }
                case .audio:
                    guard let hello else { throw CommandFailure(.protocolError, "audio before the stream hello") }
                    let channels = hello.channels
                    var samples = frame.payload
                    var index = frame.header.sampleIndex
                    if index > expectedIndex {
                        // Lost samples: silence in their place keeps the timing true.
                        let gap = Int(index - expectedIndex)
                        lost += UInt64(gap)
                        let fill = min(gap, (wanted ?? Int.max) - written)
                        try emit([UInt8](repeating: 0, count: fill * 2 * channels))
                        written += fill
                    } else if index < expectedIndex {
                        let overlap = Int(expectedIndex - index)
                        guard overlap * 2 * channels < samples.count else { continue }
                        samples.removeFirst(overlap * 2 * channels)
                        index = expectedIndex
                    }
                    var count = samples.count / (2 * channels)
                    if let wanted { count = min(count, wanted - written) }
                    guard count > 0 else { break }
                    try emit(Array(samples.prefix(count * 2 * channels)))
                    written += count
                    expectedIndex = index + UInt64(samples.count / (2 * channels))
                case .error:
                    let detail = try? frame.error()
                    let code = detail?.code ?? "error"
                    let message = detail?.message ?? "vhrd ended the stream"
                    throw CommandFailure(
                        ["no_role", "forbidden"].contains(code) ? .notAllowed : .failed, "\(message) [\(code)]")
                default:
                    continue
                }
            }
        } catch  where error.exitCode == .ok {
            return
        } catch {
            throw error
        }
        if lost > 0, !quiet {
            Output.error("warning: \(lost) samples were lost in the stream and written as silence")
        }
    }

    private func nextFrame(
        _ decoder: inout StreamFrameDecoder, fd: FileDescriptor, buffer: inout [UInt8]
    ) throws(CommandFailure) -> StreamFrame? {
        while true {
            do {
                if let frame = try decoder.next() { return frame }
            } catch {
                throw CommandFailure(.protocolError, "broken stream: \(error)")
            }
            let count: Int
            do {
                let result = try buffer.withUnsafeMutableBytes { raw throws(Errno) in try fd.read(into: raw) }
                guard case .value(let read) = result else { continue }
                count = read
            } catch {
                throw CommandFailure(.unreachable, "reading the stream failed: \(error)")
            }
            if count == 0 { return nil }
            decoder.append(buffer[0..<count])
        }
    }
}
