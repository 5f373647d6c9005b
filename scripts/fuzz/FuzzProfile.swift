import Foundation

/// Device profiles (JSON).
func fuzzProfile(_ bytes: [UInt8]) {
    _ = try? DeviceProfile.decode(Data(bytes), file: "fuzz.json")
}
