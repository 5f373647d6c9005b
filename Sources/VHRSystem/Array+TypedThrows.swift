// `Array.withUnsafeBytes` and `withUnsafeMutableBytes` are still untyped `rethrows`, which
// would widen every wrapper's `throws(Errno)` to `any Error`. These carry the typed error across.

extension Array where Element == UInt8 {
    func withUnsafeBytesTyped<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeBytes { buffer in Swift.Result { () throws(Failure) in try body(buffer) } }.get()
    }

    mutating func withUnsafeMutableBytesTyped<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeMutableBytes { buffer in Swift.Result { () throws(Failure) in try body(buffer) } }.get()
    }
}
