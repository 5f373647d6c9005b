import Foundation
import VHRCore
import VHRSystem

/// The control method `hardware`: what is plugged in now, and which device profile
/// recognises each piece.
enum HardwareDiscovery {
    /// Scans on a thread of its own (reading USB strings blocks, up to a second for a device
    /// that does not answer), then matches against `catalog`.
    /// - Returns: `{"items": [HardwareItem…], "problems": ["…"]}`.
    static func scan(catalog: ProfileCatalog) async throws -> JSONValue {
        let scanned: Scan = try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try DedicatedThread(name: "vhr-hardware") { continuation.resume(returning: scanNow()) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        let items = HardwareInventory.match(scanned.items, catalog: catalog)
        return [
            "items": try JSONValue(encoding: items),
            "problems": .array(scanned.problems.map { .string($0) }),
        ]
    }

    struct Scan: Sendable {
        var items: [HardwareItem] = []
        var problems: [String] = []
    }

    /// Lists USB devices, serial ports and sound cards, blocking; a failing subsystem becomes
    /// a problem line rather than hiding the others.
    static func scanNow() -> Scan {
        var scan = Scan()
        do throws(LibUSBError) {
            scan.items += try LibUSBContext().devices().map(\.hardwareItem)
        } catch {
            scan.problems.append(error.description)
        }
        do throws(SerialPortError) {
            scan.items += try SerialPortEnumerator.ports().map(\.hardwareItem)
        } catch {
            scan.problems.append(error.description)
        }
        do throws(ALSAError) {
            scan.items += try ALSACaptureDevices.list().map(\.hardwareItem)
        } catch {
            scan.problems.append(error.description)
        }
        return scan
    }
}
