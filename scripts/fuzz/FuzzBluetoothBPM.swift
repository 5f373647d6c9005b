/// Bluetooth Blood Pressure Measurement characteristic (0x2A35).
func fuzzBluetoothBPM(_ bytes: [UInt8]) {
    _ = try? BluetoothBPMMeasurement(bytes: bytes)
}
