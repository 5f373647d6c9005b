import Foundation
import Testing
import VHRServices

@Suite struct UploadTokenSourceTests {
    private struct Directory {
        let path = NSTemporaryDirectory() + "vhr-token-source-" + UUID().uuidString.prefix(8)

        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func theConfiguredFileWinsAndIsTrimmed() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let file = try directory.write("token", "\n  abc.DEF-123_~+/=\r\n")
        _ = try directory.write("upload-token", "from-credentials")
        let source = UploadTokenSource(tokenFile: file, environment: ["CREDENTIALS_DIRECTORY": directory.path])
        #expect(source.path == file)
        #expect(source.read() == .success("abc.DEF-123_~+/="))
    }

    @Test func withoutAFileTheSystemdCredentialIsUsedWhenPresent() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let environment = ["CREDENTIALS_DIRECTORY": directory.path]
        #expect(UploadTokenSource(tokenFile: nil, environment: environment).read() == .success(nil))
        _ = try directory.write("upload-token", "cred\n")
        #expect(UploadTokenSource(tokenFile: nil, environment: environment).read() == .success("cred"))
        #expect(UploadTokenSource(tokenFile: nil, environment: [:]).read() == .success(nil))
        // The empty credential tmpfiles.d creates, so the unit starts: no token yet.
        _ = try directory.write("upload-token", "\n")
        #expect(UploadTokenSource(tokenFile: nil, environment: environment).read() == .success(nil))
    }

    @Test func problemsSayWhatToFix() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let missing = directory.path + "/nope"
        #expect(UploadTokenSource(tokenFile: missing, environment: [:]).read() == .failure(.missing(path: missing)))
        // A directory cannot be read as a file, even by root.
        #expect(
            UploadTokenSource(tokenFile: directory.path, environment: [:]).read()
                == .failure(.unreadable(path: directory.path)))
        let empty = try directory.write("empty", " \n")
        #expect(UploadTokenSource(tokenFile: empty, environment: [:]).read() == .failure(.empty(path: empty)))
        let two = try directory.write("two", "abc def\n")
        #expect(UploadTokenSource(tokenFile: two, environment: [:]).read() == .failure(.malformed(path: two)))
        #expect(UploadTokenProblem.unreadable(path: "/x").description.contains("read permission"))
        #expect(UploadTokenProblem.empty(path: "/x").description.contains("/x"))
    }
}
