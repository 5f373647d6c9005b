/// Omron HEM-7xxx: the capture decoder in every layout, a bare reply, and the report assembler.
func fuzzOmron(_ bytes: [UInt8]) {
    for layout in OmronCapture.Layout.allCases {
        _ = try? OmronCapture(bytes: bytes, as: layout)
    }
    _ = try? OmronReply(message: bytes)
    var assembler = OmronReplyAssembler(for: .reading(bank: 0, index: 0))
    var offset = 0
    while offset < bytes.count {
        let report = Array(bytes[offset..<min(offset + 8, bytes.count)])
        offset += 8
        do {
            if try assembler.append(report: report) != nil { break }
        } catch {
            break
        }
    }
}
