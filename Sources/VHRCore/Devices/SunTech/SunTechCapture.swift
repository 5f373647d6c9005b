/// A technician's capture of SunTech bytes, decoded for `vhrctl decode suntech`.
///
/// A capture is one host command (':' …), or one or more module frames ('>' …) back to back.
/// Decoding is strict: every frame must be whole and checksum-clean, with nothing between them,
/// so what is printed is exactly what the bytes say.
public struct SunTechCapture: Sendable, Equatable {
    /// One decoded frame of the capture.
    public enum Frame: Sendable, Equatable {
        case command(SunTechCommand, bytes: [UInt8])
        case response(SunTechResponse, frame: SunTechFrame)
    }

    public var frames: [Frame]

    /// Decodes a whole capture; throws the first problem, naming the frame it is in.
    public init(bytes: [UInt8]) throws(SunTechCaptureError) {
        guard let first = bytes.first else { throw SunTechCaptureError(frameIndex: 0, offset: 0, error: .tooShort(0)) }
        if first == SunTechCommand.startByte {
            do {
                frames = [.command(try SunTechCommand(frame: bytes), bytes: bytes)]
            } catch {
                throw SunTechCaptureError(frameIndex: 0, offset: 0, error: error)
            }
            return
        }
        var frames: [Frame] = []
        var offset = 0
        while offset < bytes.count {
            // The length byte says where this frame ends; a bad one is reported by SunTechFrame.
            let declared = offset + 1 < bytes.count ? Int(bytes[offset + 1]) : bytes.count - offset
            let end = min(bytes.count, offset + max(declared, 2))
            do {
                let frame = try SunTechFrame(bytes: Array(bytes[offset..<end]))
                frames.append(.response(SunTechResponse(frame: frame), frame: frame))
            } catch {
                throw SunTechCaptureError(frameIndex: frames.count, offset: offset, error: error)
            }
            offset = end
        }
        self.frames = frames
    }

    /// The capture as JSON: `{"protocol": "suntech", "frames": [...]}`.
    public var json: JSONValue {
        ["protocol": "suntech", "frames": .array(frames.map(\.json))]
    }

    /// The capture for a person: one line per frame, details indented.
    public var lines: [String] {
        frames.flatMap(\.lines)
    }
}

/// Where in a capture decoding stopped, and why.
public struct SunTechCaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 0-based index of the frame that failed.
    public var frameIndex: Int
    /// Its byte offset in the capture.
    public var offset: Int
    public var error: SunTechError

    public var description: String {
        frameIndex == 0 && offset == 0 ? error.description : "frame \(frameIndex + 1) at byte \(offset): \(error)"
    }
}

extension SunTechCapture.Frame {
    var json: JSONValue {
        switch self {
        case .command(let command, let bytes):
            var object: [String: JSONValue] = [
                "direction": "host-to-module", "hex": .string(SunTechHex.bytes(bytes)), "type": "command",
                "command": .string(command.name), "description": .string(command.description),
            ]
            switch command {
            case .setInitialInflate(let mmHg): object["initialInflate"] = .int(Int64(mmHg))
            case .controlPneumatics(let pump, let controlValve, let dumpValve):
                object["pump"] = .int(Int64(pump))
                object["controlValve"] = .int(Int64(controlValve))
                object["dumpValve"] = .int(Int64(dumpValve))
            default: break
            }
            return .object(object)
        case .response(let response, let frame):
            var object: [String: JSONValue] = [
                "direction": "module-to-host", "hex": .string(frame.description),
                "length": .int(Int64(frame.bytes.count)),
            ]
            switch response {
            case .acknowledgement(let acknowledgement):
                object["type"] = "acknowledgement"
                object["letter"] = .string(String(acknowledgement.letter))
                object["meaning"] = .string(acknowledgement.description)
            case .unknownAcknowledgement(let code):
                object["type"] = "acknowledgement"
                object["code"] = .int(Int64(code))
                object["meaning"] = "not in the interface specification"
            case .cuffPressure(let pressure):
                object["type"] = "cuffPressure"
                object["cuffPressure"] = .int(Int64(pressure))
                object["unit"] = "mmHg"
            case .result(let result):
                object["type"] = "result"
                object["systolic"] = .int(Int64(result.systolic))
                object["diastolic"] = .int(Int64(result.diastolic))
                object["meanArterial"] = .int(Int64(result.meanArterial))
                object["heartRate"] = .int(Int64(result.heartRate))
                object["unit"] = "mmHg"
                object["beatsDetected"] = .int(Int64(result.beatsDetected))
                object["status"] = .int(Int64(result.status))
                object["testCodes"] = .string(SunTechHex.bytes(result.testCodes))
                object["errorCode"] = .int(Int64(result.errorCodeValue))
                if !result.isSuccessful {
                    object["error"] = .string(SunTechMeasurementFailure(code: result.errorCodeValue).description)
                }
            case .other(let payload):
                object["type"] = "other"
                object["payload"] = .string(SunTechHex.bytes(payload))
                object["text"] = .string(
                    String(decoding: payload.map { (0x20..<0x7F).contains($0) ? $0 : 0x2E }, as: UTF8.self))
            }
            return .object(object)
        }
    }

    var lines: [String] {
        switch self {
        case .command(let command, let bytes):
            return ["host → module  \(SunTechHex.bytes(bytes))  \(command.description)"]
        case .response(let response, let frame):
            let head = "module → host  \(frame)  "
            switch response {
            case .acknowledgement(let acknowledgement): return [head + acknowledgement.description]
            case .unknownAcknowledgement(let code):
                return [head + "acknowledgement \(SunTechHex.byte(code)), not in the interface specification"]
            case .cuffPressure(let pressure): return [head + "cuff pressure \(pressure) mmHg"]
            case .result(let result):
                var lines = [
                    head + "measurement result",
                    "  systolic \(result.systolic) / diastolic \(result.diastolic) mmHg, MAP \(result.meanArterial) mmHg,"
                        + " heart rate \(result.heartRate)/min",
                    "  beats detected \(result.beatsDetected), BP status \(result.status),"
                        + " test codes \(SunTechHex.bytes(result.testCodes))",
                ]
                lines.append(
                    result.isSuccessful
                        ? "  error code 0 (valid measurement)"
                        : "  \(SunTechMeasurementFailure(code: result.errorCodeValue))")
                return lines
            case .other(let payload):
                return [head + "\(frame.bytes.count)-byte frame, payload \(SunTechHex.bytes(payload))"]
            }
        }
    }
}

extension SunTechCommand {
    /// A stable machine name for JSON.
    public var name: String {
        switch self {
        case .startAdult: "startAdult"
        case .startPediatric: "startPediatric"
        case .startNeonate: "startNeonate"
        case .abort: "abort"
        case .getResult: "getResult"
        case .getCuffPressure: "getCuffPressure"
        case .getReturnString: "getReturnString"
        case .getModuleData: "getModuleData"
        case .setInitialInflate: "setInitialInflate"
        case .controlPneumatics: "controlPneumatics"
        case .reset: "reset"
        }
    }
}
