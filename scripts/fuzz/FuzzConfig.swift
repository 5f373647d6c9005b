/// The INI reader and the room configuration built on it.
func fuzzConfig(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? IniDocument.parse(text, file: "fuzz.conf")
    _ = try? RoomConfig.parse(text, file: "fuzz.conf")
}
