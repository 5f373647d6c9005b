import Glibc

/// A fresh directory under /tmp for one test, removed (with its contents) by `remove()`.
/// Kept short so socket paths inside it stay well under `sun_path`'s limit.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/vhr-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func remove() {
        _ = system("rm -rf '\(path)'")
    }
}
