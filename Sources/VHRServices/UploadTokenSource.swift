import Foundation

/// Where the uploader's bearer token comes from: the configured token file, else the systemd
/// credential `$CREDENTIALS_DIRECTORY/upload-token` when it exists, else no token.
///
/// Read before every attempt, so a renewed token needs no restart.
public struct UploadTokenSource: Sendable, Equatable {
    /// `[upload] token-file`.
    public var tokenFile: String?
    /// The process environment, for `CREDENTIALS_DIRECTORY`.
    public var environment: [String: String]

    public init(tokenFile: String?, environment: [String: String]) {
        self.tokenFile = tokenFile
        self.environment = environment
    }

    /// The file the token is read from now, `nil` for none.
    public var path: String? {
        if let tokenFile { return tokenFile }
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = directory + "/upload-token"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The token with surrounding whitespace and newlines trimmed, `nil` when none is configured.
    public func read() -> Result<String?, UploadTokenProblem> {
        guard let path else { return .success(nil) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return .failure(.missing(path: path)) }
            return .failure(.unreadable(path: path))
        }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(.malformed(path: path)) }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // The unit always loads the credential (systemd refuses to start without its file), so
        // an empty credential is how a room whose server takes no token says so; an empty
        // token-file the technician named is a mistake.
        if token.isEmpty { return tokenFile == nil ? .success(nil) : .failure(.empty(path: path)) }
        // Visible ASCII only: anything else would break (or smuggle into) the Authorization header.
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .failure(.malformed(path: path)) }
        return .success(token)
    }
}

/// Why the bearer token cannot be read; the queue waits until it can.
public enum UploadTokenProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String)
    case empty(path: String)
    /// Not UTF-8, or holds spaces or control characters inside.
    case malformed(path: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "the upload token file \(path) does not exist; put the token there or fix [upload] token-file"
        case .unreadable(let path):
            "the upload token file \(path) cannot be read by vhrd; give its user read permission"
                + " (for example chgrp vhr and chmod 0640) or pass it with LoadCredential=upload-token"
        case .empty(let path):
            "the upload token file \(path) is empty; write the bearer token into it"
        case .malformed(let path):
            "the upload token file \(path) holds more than one bearer token (spaces, control characters or"
                + " non-ASCII text); write just the token into it"
        }
    }
}
