/// Where finished measurements are uploaded, from `[upload]`.
public struct UploadTarget: Sendable, Equatable {
    /// The endpoint: `https://`, or `http://` only to this machine (a local relay).
    public var url: String
    /// An absolute path to a file holding the bearer token, read by the uploader; `nil` for none.
    public var tokenFile: String?

    public init(url: String, tokenFile: String? = nil) {
        self.url = url
        self.tokenFile = tokenFile
    }
}
